import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { envName, fields } from "../../../src/config/fields";
import { loadConfig } from "../../../src/config/loader";
import { redactSecrets, showConfig } from "../../../src/config/redact";
import { starterYaml } from "../../../src/config/starter";
import { ConfigError } from "../../../src/errors";

function dirWith(yaml?: string): string {
  const dir = mkdtempSync(join(tmpdir(), "stockpipe-config-"));
  if (yaml !== undefined) writeFileSync(join(dir, "stockpipe.yaml"), yaml);
  return dir;
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(3);
    return (err as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
}

describe("config defaults", () => {
  it("targets the local stack with no config at all", () => {
    const { config, origins, file } = loadConfig({ cwd: dirWith(), env: {} });
    expect(file).toBeUndefined();
    expect(config.kafka.brokers).toEqual(["127.0.0.1:9092"]);
    expect(config.kafka.topic).toBe("ticks");
    expect(config.cassandra.contactPoints).toEqual(["127.0.0.1:9042"]);
    expect(config.cassandra.keyspace).toBe("stockpipe");
    expect(config.s3.endpoint).toBe("http://127.0.0.1:9000");
    expect(config.s3.bucket).toBe("stockpipe");
    expect(config.market.timeZone).toBe("America/New_York");
    expect(config.local.dir).not.toContain("~");
    expect(origins.get("kafka.brokers")).toBe("default");
  });
});

describe("config precedence: defaults < file < env < flags", () => {
  const yaml = "kafka:\n  brokers: [file-1:9092, file-2:9092]\n  topic: from-file\n  clientId: file-client\ns3:\n  prefix: file/prefix\n";

  it("takes the file over the defaults", () => {
    const cwd = dirWith(yaml);
    const { config, origins, file } = loadConfig({ cwd, env: {} });
    expect(file).toBe(join(cwd, "stockpipe.yaml"));
    expect(config.kafka.brokers).toEqual(["file-1:9092", "file-2:9092"]);
    expect(config.kafka.topic).toBe("from-file");
    expect(config.kafka.partitions).toBe(6);
    expect(origins.get("kafka.topic")).toBe(`file ${file}`);
    expect(origins.get("kafka.partitions")).toBe("default");
  });

  it("takes the environment over the file", () => {
    const { config, origins } = loadConfig({
      cwd: dirWith(yaml),
      env: {
        STOCKPIPE_KAFKA_BROKERS: "env-1:9092, env-2:9093",
        STOCKPIPE_KAFKA_TOPIC: "from-env",
        STOCKPIPE_S3_FORCE_PATH_STYLE: "false",
        STOCKPIPE_KAFKA_PARTITIONS: "12",
      },
    });
    expect(config.kafka.brokers).toEqual(["env-1:9092", "env-2:9093"]);
    expect(config.kafka.topic).toBe("from-env");
    expect(config.kafka.clientId).toBe("file-client");
    expect(config.kafka.partitions).toBe(12);
    expect(config.s3.forcePathStyle).toBe(false);
    expect(config.s3.prefix).toBe("file/prefix");
    expect(origins.get("kafka.topic")).toBe("env STOCKPIPE_KAFKA_TOPIC");
  });

  it("takes flags over the environment", () => {
    const { config, origins } = loadConfig({
      cwd: dirWith(yaml),
      env: { STOCKPIPE_KAFKA_TOPIC: "from-env", STOCKPIPE_KAFKA_BROKERS: "env-1:9092" },
      flags: [
        { path: "kafka.topic", value: "from-flag", flag: "--topic" },
        { path: "kafka.brokers", value: "flag-1:9092", flag: "--brokers" },
      ],
    });
    expect(config.kafka.topic).toBe("from-flag");
    expect(config.kafka.brokers).toEqual(["flag-1:9092"]);
    expect(origins.get("kafka.brokers")).toBe("flag --brokers");
  });

  it("reads --config FILE instead of ./stockpipe.yaml", () => {
    const cwd = dirWith("kafka:\n  topic: from-cwd\n");
    const other = join(dirWith(), "other.yaml");
    writeFileSync(other, "kafka:\n  topic: from-other\n");
    expect(loadConfig({ cwd, env: {}, configFile: other }).config.kafka.topic).toBe("from-other");
    expect(loadConfig({ cwd, env: { STOCKPIPE_CONFIG: other } }).config.kafka.topic).toBe("from-other");
  });

  it("maps nested and map-valued fields from the environment", () => {
    const { config } = loadConfig({
      cwd: dirWith(),
      env: {
        STOCKPIPE_CASSANDRA_REPLICATION_CLASS: "NetworkTopologyStrategy",
        STOCKPIPE_CASSANDRA_REPLICATION_DATA_CENTERS: "dc1:3, dc2:2",
        STOCKPIPE_KAFKA_SASL_MECHANISM: "scram-sha-512",
        STOCKPIPE_KAFKA_SASL_USERNAME: "alice",
        STOCKPIPE_KAFKA_SASL_PASSWORD: "s3cret-pass",
      },
    });
    expect(config.cassandra.replication).toEqual({ class: "NetworkTopologyStrategy", factor: 1, dataCenters: { dc1: 3, dc2: 2 } });
    expect(config.kafka.sasl).toMatchObject({ mechanism: "scram-sha-512", username: "alice", password: "s3cret-pass" });
  });

  it("names env vars after the dotted path", () => {
    expect(envName("kafka.brokers")).toBe("STOCKPIPE_KAFKA_BROKERS");
    expect(envName("cassandra.keyspace")).toBe("STOCKPIPE_CASSANDRA_KEYSPACE");
    expect(envName("s3.forcePathStyle")).toBe("STOCKPIPE_S3_FORCE_PATH_STYLE");
    expect(envName("cassandra.replication.dataCenters")).toBe("STOCKPIPE_CASSANDRA_REPLICATION_DATA_CENTERS");
  });
});

describe("config errors", () => {
  it("lists every invalid field at once with its path, value and origin", () => {
    const cwd = dirWith(
      "kafka:\n  brokers: [localhost]\n  partitions: 0\ncassandra:\n  keyspace: Bad-Name\nmarket:\n  timeZone: Mars/Olympus\n",
    );
    const problems = problemsOf(() => loadConfig({ cwd, env: { STOCKPIPE_S3_BUCKET: "UPPER_bucket" } }));
    expect(problems).toHaveLength(5);
    const file = join(cwd, "stockpipe.yaml");
    expect(problems).toContainEqual(`kafka.brokers[0] = "localhost": must be host:port, e.g. 127.0.0.1:9092 — from file ${file}`);
    expect(problems.find((p) => p.startsWith("kafka.partitions = 0:"))).toContain(`from file ${file}`);
    expect(problems.find((p) => p.startsWith('cassandra.keyspace = "Bad-Name"'))).toContain("lower-case identifier");
    expect(problems.find((p) => p.startsWith('market.timeZone = "Mars/Olympus"'))).toContain("IANA time zone");
    expect(problems.find((p) => p.startsWith('s3.bucket = "UPPER_bucket"'))).toContain("from env STOCKPIPE_S3_BUCKET");
  });

  it("rejects unknown keys with a did-you-mean", () => {
    const problems = problemsOf(() => loadConfig({ cwd: dirWith("kafka:\n  brokerz: [a:1]\ncasandra:\n  keyspace: x\n"), env: {} }));
    expect(problems.some((p) => p.startsWith("kafka.brokerz: unknown key (did you mean kafka.brokers?)"))).toBe(true);
    expect(problems.some((p) => p.startsWith("casandra: unknown key (did you mean cassandra?)"))).toBe(true);
  });

  it("rejects a value of the wrong type, naming the expected type", () => {
    const problems = problemsOf(() =>
      loadConfig({ cwd: dirWith(), env: { STOCKPIPE_KAFKA_PARTITIONS: "many", STOCKPIPE_S3_FORCE_PATH_STYLE: "maybe" } }),
    );
    expect(problems.find((p) => p.startsWith('kafka.partitions = "many"'))).toMatch(/expected number.*from env STOCKPIPE_KAFKA_PARTITIONS/);
    expect(problems.find((p) => p.startsWith('s3.forcePathStyle = "maybe"'))).toMatch(/expected boolean/);
  });

  it("rejects a value outside an enum, listing the choices", () => {
    const problems = problemsOf(() => loadConfig({ cwd: dirWith("producer:\n  acks: some\n"), env: {} }));
    expect(problems[0]).toMatch(/^producer.acks = "some": must be one of all, leader, none/);
  });

  it("checks rules between fields", () => {
    const problems = problemsOf(() =>
      loadConfig({
        cwd: dirWith(
          "kafka:\n  sasl:\n    mechanism: plain\ncassandra:\n  replication:\n    class: NetworkTopologyStrategy\ns3:\n  accessKeyId: AKIA123\n",
        ),
        env: {},
      }),
    );
    expect(problems).toHaveLength(4);
    expect(problems.some((p) => p.startsWith("kafka.sasl.username: is required when kafka.sasl.mechanism is plain"))).toBe(true);
    expect(problems.some((p) => p.startsWith("kafka.sasl.password:"))).toBe(true);
    expect(problems.some((p) => p.startsWith("cassandra.replication.dataCenters: needs at least one data center"))).toBe(true);
    expect(problems.some((p) => p.startsWith("s3.secretAccessKey: s3.accessKeyId and s3.secretAccessKey go together"))).toBe(true);
  });

  it("rejects identifiers that would end up in CQL or SQL unescaped", () => {
    for (const bad of ["ticks; DROP TABLE x", "1abc", "with space", "a".repeat(49)]) {
      const problems = problemsOf(() => loadConfig({ cwd: dirWith(), env: { STOCKPIPE_ATHENA_TABLE: bad } }));
      expect(problems[0]).toContain("athena.table");
    }
  });

  it("reports YAML syntax errors with line and column", () => {
    const cwd = dirWith("kafka:\n  brokers: [a:1\n  topic: x\n");
    try {
      loadConfig({ cwd, env: {} });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).message).toContain("is not valid YAML");
      expect((err as ConfigError).problems[0]).toMatch(/stockpipe\.yaml:\d+:\d+: /);
    }
  });

  it("rejects a file that is not a mapping", () => {
    expect(() => loadConfig({ cwd: dirWith("- a\n- b\n"), env: {} })).toThrow(/must be a YAML mapping of sections .* not a list/);
  });

  it("fails clearly on a missing --config file", () => {
    expect(() => loadConfig({ cwd: dirWith(), env: {}, configFile: "nope.yaml" })).toThrow(
      /config file nope.yaml \(from --config\) does not exist/,
    );
  });

  it("accepts an empty file", () => {
    expect(loadConfig({ cwd: dirWith(""), env: {} }).config.kafka.topic).toBe("ticks");
  });

  it("warns about unknown STOCKPIPE_ variables with a suggestion", () => {
    const { warnings } = loadConfig({ cwd: dirWith(), env: { STOCKPIPE_KAFKA_BROKER: "x:1" } });
    expect(warnings).toEqual(["ignoring unknown environment variable STOCKPIPE_KAFKA_BROKER (did you mean STOCKPIPE_KAFKA_BROKERS?)"]);
  });
});

describe("config show and init", () => {
  it("redacts secrets and shows origins", () => {
    const loaded = loadConfig({
      cwd: dirWith(),
      env: { STOCKPIPE_S3_ACCESS_KEY_ID: "AKIAEXAMPLE", STOCKPIPE_S3_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG" },
    });
    const shown = showConfig(loaded);
    expect(shown.find((f) => f.path === "s3.secretAccessKey")).toMatchObject({
      value: "***",
      origin: "env STOCKPIPE_S3_SECRET_ACCESS_KEY",
    });
    expect(shown.find((f) => f.path === "s3.accessKeyId")?.value).toBe("AKIAEXAMPLE");
    expect(JSON.stringify(shown)).not.toContain("wJalrXUtnFEMI");
    expect(redactSecrets("signature for wJalrXUtnFEMI/K7MDENG failed", loaded)).toBe("signature for *** failed");
  });

  it("writes a starter file that documents every field and loads as the defaults once uncommented", () => {
    const text = starterYaml();
    for (const f of fields()) expect(text).toContain(f.env);
    const uncommented = text
      .split("\n")
      .filter((l) => /^\s*# \w+:( .*)?$/.test(l) || /^\w+:$/.test(l))
      .map((l) => l.replace(/^(\s*)# /, "$1"))
      // Optional fields without a default and sub-section headers stay out.
      .filter(
        (l) =>
          !/^\s+\w+:$/.test(l) || /^ {2,}(ssl|sasl|oauth|replication|tls|repair|rules|priceMove|volumeSpike|zScore|openingGap):$/.test(l),
      )
      .join("\n");
    const cwd = dirWith(uncommented);
    const parsed = YAML.parse(uncommented);
    expect(parsed.kafka.topic).toBe("ticks");
    const { config } = loadConfig({ cwd, env: {} });
    expect(config).toEqual(loadConfig({ cwd: dirWith(), env: {} }).config);
  });
});

describe("config values a user types in the environment", () => {
  it("names the exchange a calendar typo probably meant", () => {
    expect(problemsOf(() => loadConfig({ cwd: dirWith(), env: { STOCKPIPE_MARKET_CALENDAR: "NYSE" } }))[0]).toContain(
      "(did you mean XNYS?)",
    );
    expect(problemsOf(() => loadConfig({ cwd: dirWith(), env: { STOCKPIPE_MARKET_CALENDARS: "HSI:HKEX" } }))[0]).toContain(
      "market.calendars.HSI",
    );
    expect(problemsOf(() => loadConfig({ cwd: dirWith(), env: { STOCKPIPE_MARKET_CALENDARS: "HSI:HKEX" } }))[0]).toContain(
      "(did you mean XHKG?)",
    );
  });

  it("takes a map in a file's form as well as key:value pairs", () => {
    for (const value of ["{HSI: XHKG, '*.HK': XHKG}", '{"HSI": "XHKG", "*.HK": "XHKG"}', "HSI:XHKG, *.HK : XHKG"]) {
      const { config } = loadConfig({ cwd: dirWith(), env: { STOCKPIPE_MARKET_CALENDARS: value } });
      expect(config.market.calendars, value).toEqual({ HSI: "XHKG", "*.HK": "XHKG" });
    }
  });
});
