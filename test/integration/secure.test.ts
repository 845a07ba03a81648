/**
 * The secure profile, end to end: `local up --profile secure` starts Kafka with a SASL_SSL listener
 * (SCRAM-SHA-512) and Cassandra with PasswordAuthenticator and client TLS, certificates from the stack's own CA.
 * Every command works with what `local env --profile secure` prints; a wrong password, an untrusted CA or a
 * plaintext client fails at once with one line; no secret appears in any output.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import cassandra from "cassandra-driver";
import kafkajs from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureTls } from "../../src/local/tls";
import { type RunResult, stockpipe, uniqueName } from "../helpers";

const { Kafka, logLevel } = kafkajs;
const keyspace = `test_sec_${Date.now().toString(36)}`;
const prefix = `test-sec-${Date.now().toString(36)}`;
const topic = uniqueName("test-sec");
/** What `local env --profile secure` printed, as variables. */
let secure: Record<string, string> = {};
let startedHere = false;
/** Every output of every command run here, to search for secrets at the end. */
const outputs: { what: string; text: string }[] = [];
const otherCa = mkdtempSync(join(tmpdir(), "stockpipe-other-ca-"));

async function run(args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 120_000): Promise<RunResult> {
  const r = await stockpipe(args, {
    env: { ...secure, STOCKPIPE_CASSANDRA_KEYSPACE: keyspace, STOCKPIPE_S3_PREFIX: prefix, ...env },
    timeoutMs,
  });
  outputs.push({ what: args.join(" "), text: r.stdout + r.stderr });
  return r;
}

function parseEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^export (STOCKPIPE_[A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) env[m[1]!] = m[2]!.replace(/^'(.*)'$/, "$1");
  }
  return env;
}

function cqlClient(): cassandra.Client {
  return new cassandra.Client({
    contactPoints: [secure.STOCKPIPE_CASSANDRA_CONTACT_POINTS!],
    localDataCenter: "datacenter1",
    credentials: { username: secure.STOCKPIPE_CASSANDRA_USERNAME!, password: secure.STOCKPIPE_CASSANDRA_PASSWORD! },
    sslOptions: { ca: [readFileSync(secure.STOCKPIPE_CASSANDRA_TLS_CA!)], rejectUnauthorized: true },
  });
}

beforeAll(async () => {
  const before = await stockpipe(["local", "status", "--profile", "secure", "-f", "json"]);
  startedHere = before.code !== 0;
  const up = await stockpipe(["local", "up", "--profile", "secure"], { timeoutMs: 280_000 });
  expect(up.code, up.stderr).toBe(0);
  const env = await stockpipe(["local", "env", "--profile", "secure"]);
  expect(env.code, env.stderr).toBe(0);
  secure = parseEnv(env.stdout);
  await ensureTls(otherCa);
}, 300_000);

afterAll(async () => {
  rmSync(otherCa, { recursive: true, force: true });
  if (!secure.STOCKPIPE_KAFKA_BROKERS) return;
  const client = cqlClient();
  await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).catch(() => {});
  await client.shutdown();
  for (const t of [topic, `${topic}.dlq`]) await stockpipe(["topic", "delete", t, "--yes"], { env: secure }).catch(() => {});
  if (startedHere) await stockpipe(["local", "down", "--profile", "secure", "--purge"], { timeoutMs: 120_000 });
}, 180_000);

describe("local up --profile secure", () => {
  it("prints the client settings: the SASL_SSL listener, the CA, generated users; secrets stored owner-only", async () => {
    expect(secure).toMatchObject({
      STOCKPIPE_KAFKA_BROKERS: "127.0.0.1:9192",
      STOCKPIPE_KAFKA_SSL_ENABLED: "true",
      STOCKPIPE_KAFKA_SASL_MECHANISM: "scram-sha-512",
      STOCKPIPE_KAFKA_SASL_USERNAME: "stockpipe",
      STOCKPIPE_CASSANDRA_CONTACT_POINTS: "127.0.0.1:9142",
      STOCKPIPE_CASSANDRA_TLS_ENABLED: "true",
      STOCKPIPE_CASSANDRA_USERNAME: "stockpipe",
    });
    expect(secure.STOCKPIPE_KAFKA_SASL_PASSWORD!.length).toBeGreaterThanOrEqual(24);
    expect(secure.STOCKPIPE_CASSANDRA_PASSWORD!.length).toBeGreaterThanOrEqual(24);
    const dir = join(secure.STOCKPIPE_KAFKA_SSL_CA!, "..", "..");
    for (const f of ["secrets.json", "tls/server-key.pem", "tls/server-key-and-chain.pem", "kafka/server.properties"]) {
      expect(statSync(join(dir, f)).mode & 0o077, f).toBe(0);
    }
  });

  it("local status without --profile lists every running profile, and local env says which profile it printed", async () => {
    const all = await stockpipe(["local", "status", "-f", "json"]);
    const rows = JSON.parse(all.stdout) as { profile: string; service: string; state: string }[];
    expect(rows.filter((r) => r.profile === "secure").map((r) => [r.service, r.state])).toEqual([
      ["kafka", "running"],
      ["cassandra", "running"],
      ["s3", "running"],
    ]);
    expect(rows.filter((r) => r.profile === "default").map((r) => r.service)).toEqual(["kafka", "cassandra", "s3"]);
    const env = await stockpipe(["local", "env"]);
    expect(env.stderr).toContain("the default profile's settings (also running: secure; pass --profile secure for its settings)");
    const secureEnv = await stockpipe(["local", "env", "--profile", "secure"]);
    expect(secureEnv.stderr).toContain("the secure profile's settings");
    expect(secureEnv.stdout).toContain("export STOCKPIPE_KAFKA_SSL_CA=");
  });

  it("local status and doctor say which security each endpoint uses", async () => {
    const status = await stockpipe(["local", "status", "--profile", "secure", "-f", "json"]);
    expect(status.code, status.stderr).toBe(0);
    const rows = JSON.parse(status.stdout) as { service: string; state: string; security: string }[];
    expect(rows.map((r) => [r.service, r.state])).toEqual([
      ["kafka", "running"],
      ["cassandra", "running"],
      ["s3", "running"],
    ]);
    expect(rows[0]!.security).toMatch(/^SASL_SSL SCRAM-SHA-512, CA .*ca\.pem$/);
    expect(rows[1]!.security).toMatch(/^TLS \(CA .*ca\.pem\) \+ password$/);
    const doctor = await run(["doctor", "-f", "json"]);
    expect(doctor.code, doctor.stderr).toBe(0);
    const checks = JSON.parse(doctor.stdout) as { check: string; status: string; security: string }[];
    expect(checks.find((c) => c.check === "kafka")).toMatchObject({
      status: "ok",
      security: `TLS (verified, CA ${secure.STOCKPIPE_KAFKA_SSL_CA}), SASL SCRAM-SHA-512 as stockpipe`,
    });
    expect(checks.find((c) => c.check === "cassandra")).toMatchObject({
      status: "ok",
      security: `TLS (verified, CA ${secure.STOCKPIPE_CASSANDRA_TLS_CA}), password as stockpipe`,
    });
  });

  it("the default superuser of Cassandra can no longer log in", async () => {
    const client = new cassandra.Client({
      contactPoints: [secure.STOCKPIPE_CASSANDRA_CONTACT_POINTS!],
      localDataCenter: "datacenter1",
      credentials: { username: "cassandra", password: "cassandra" },
      sslOptions: { ca: [readFileSync(secure.STOCKPIPE_CASSANDRA_TLS_CA!)], rejectUnauthorized: true },
    });
    await expect(client.connect()).rejects.toThrow(/incorrect|not allowed to log in|Authentication/i);
    await client.shutdown().catch(() => {});
  });
});

describe("the pipeline on the secure profile", () => {
  it("topic, schema, produce, consume into both sinks, query and verify: what went in came out", async () => {
    for (const args of [
      ["topic", "create", topic, "-p", "3"],
      ["schema", "cassandra"],
      ["schema", "s3"],
    ]) {
      const r = await run(args);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
    }
    const listed = await run(["topic", "list", "-f", "json"]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(topic);

    const produceArgs = ["produce", "-s", "synthetic", "--symbols", "4", "--limit", "3000", "--seed", "11", "--topic", topic];
    const dry = await run([...produceArgs, "--dry-run"]);
    expect(dry.code, dry.stderr).toBe(0);
    const sent = dry.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { id: string; symbol: string; price: number; volume: number });
    expect(sent).toHaveLength(3000);

    const produced = await run([...produceArgs, "--log-level", "debug"]);
    expect(produced.code, produced.stderr).toBe(0);
    for (const sink of ["cassandra", "s3"]) {
      const r = await run(["consume", "--topic", topic, "--sink", sink, "--exit-at-end", "--log-level", "debug", "-f", "json"]);
      expect(r.code, r.stderr).toBe(0);
    }

    // Cassandra, read back over TLS as the stack's user: the same ticks, field for field.
    const client = cqlClient();
    try {
      const stored = new Map<string, [number, number]>();
      await new Promise<void>((resolve, reject) =>
        client.eachRow(
          `SELECT id, price, volume FROM ${keyspace}.ticks`,
          [],
          { fetchSize: 5000, autoPage: true },
          (_n, row) => stored.set(row.get("id").toString(), [row.get("price"), Number(row.get("volume"))]),
          (err) => (err ? reject(err) : resolve()),
        ),
      );
      expect(stored.size).toBe(3000);
      for (const t of sent) expect(stored.get(t.id), t.id).toEqual([t.price, t.volume]);
    } finally {
      await client.shutdown();
    }

    // The lake, through the local engine.
    const q = await run(["query", "--engine", "local", "-f", "json", "SELECT id, price, volume FROM ticks"]);
    expect(q.code, q.stderr).toBe(0);
    const lake = new Map(
      (JSON.parse(q.stdout) as { id: string; price: number; volume: number }[]).map((r) => [r.id, [r.price, Number(r.volume)]]),
    );
    expect(lake.size).toBe(3000);
    for (const t of sent) expect(lake.get(t.id), t.id).toEqual([t.price, t.volume]);

    const cqlCount = await run(["query", "--engine", "cql", "-f", "json", `SELECT count(*) AS n FROM ${keyspace}.ticks`]);
    expect(cqlCount.code, cqlCount.stderr).toBe(0);
    expect(Number((JSON.parse(cqlCount.stdout) as { n: unknown }[])[0]!.n)).toBe(3000);

    const verify = await run(["verify", "--topic", topic, "-f", "json"]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  });
});

describe("failures on the secure profile: one line naming the endpoint and the cause, exit 1, at once", () => {
  async function fails(args: string[], env: Record<string, string | undefined>, expected: RegExp): Promise<void> {
    const started = Date.now();
    const r = await run(args, env, 60_000);
    const seconds = (Date.now() - started) / 1000;
    expect(r.code, r.stderr).toBe(1);
    const errors = r.stderr.split("\n").filter((l) => l.startsWith("error"));
    expect(errors, r.stderr).toHaveLength(1);
    expect(errors[0]).toMatch(expected);
    expect(seconds, r.stderr).toBeLessThan(20);
  }

  it("a wrong Kafka password", async () => {
    const env = { STOCKPIPE_KAFKA_SASL_PASSWORD: "not-the-password" };
    const line = /^error: Kafka at 127\.0\.0\.1:9192 rejected the credentials of user stockpipe \(SCRAM-SHA-512\)/;
    await fails(["topic", "list"], env, line);
    await fails(["produce", "-s", "synthetic", "--limit", "10", "--topic", topic], env, line);
    await fails(["consume", "--topic", topic, "--sink", "cassandra", "--exit-at-end"], env, line);
  });

  it("a wrong Cassandra password", async () => {
    const env = { STOCKPIPE_CASSANDRA_PASSWORD: "not-the-password" };
    const line = /^error: Cassandra at 127\.0\.0\.1:9142 rejected the credentials of user stockpipe/;
    await fails(["schema", "cassandra"], env, line);
    await fails(["consume", "--topic", topic, "--sink", "cassandra", "--exit-at-end"], env, line);
    await fails(["query", "--engine", "cql", `SELECT count(*) FROM ${keyspace}.ticks`], env, line);
  });

  it("a CA that did not sign the servers' certificates", async () => {
    const ca = join(otherCa, "tls", "ca.pem");
    await fails(
      ["topic", "list"],
      { STOCKPIPE_KAFKA_SSL_CA: ca },
      /^error: Kafka at 127\.0\.0\.1:9192 presented a TLS certificate this client does not trust/,
    );
    await fails(
      ["consume", "--topic", topic, "--sink", "s3", "--exit-at-end"],
      { STOCKPIPE_KAFKA_SSL_CA: ca },
      /^error: Kafka at 127\.0\.0\.1:9192 presented a TLS certificate this client does not trust/,
    );
    await fails(
      ["schema", "cassandra"],
      { STOCKPIPE_CASSANDRA_TLS_CA: ca },
      /^error: Cassandra at 127\.0\.0\.1:9142 presented a TLS certificate this client does not trust/,
    );
  });

  it("a plaintext client is refused by the secure listener and by the TLS-only CQL port", async () => {
    await fails(
      ["topic", "list"],
      { STOCKPIPE_KAFKA_SSL_ENABLED: "false", STOCKPIPE_KAFKA_SASL_MECHANISM: "none" },
      /^error: .*Kafka at 127\.0\.0\.1:9192/,
    );
    await fails(["schema", "cassandra"], { STOCKPIPE_CASSANDRA_TLS_ENABLED: "false" }, /^error: .*Cassandra at 127\.0\.0\.1:9142/);
    // A bare kafkajs client, no TLS, no SASL: it never gets metadata.
    const admin = new Kafka({
      brokers: ["127.0.0.1:9192"],
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
      connectionTimeout: 2000,
    }).admin();
    await expect(admin.connect().then(() => admin.listTopics())).rejects.toThrow();
    await admin.disconnect().catch(() => {});
    // TLS without SASL: the broker authenticates before it answers anything.
    const tlsOnly = new Kafka({
      brokers: ["127.0.0.1:9192"],
      ssl: { ca: [readFileSync(secure.STOCKPIPE_KAFKA_SSL_CA!, "utf8")] },
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
      connectionTimeout: 2000,
    }).admin();
    await expect(tlsOnly.connect().then(() => tlsOnly.listTopics())).rejects.toThrow();
    await tlsOnly.disconnect().catch(() => {});
  });
});

describe("secrets", () => {
  it("appear in no output: not in errors, not at --log-level debug, not in config show", async () => {
    const show = await run(["config", "show", "--log-level", "debug"]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/kafka\.sasl\.password/);
    const secrets = [secure.STOCKPIPE_KAFKA_SASL_PASSWORD!, secure.STOCKPIPE_CASSANDRA_PASSWORD!, secure.STOCKPIPE_S3_SECRET_ACCESS_KEY!];
    const broker = JSON.parse(readFileSync(join(secure.STOCKPIPE_KAFKA_SSL_CA!, "..", "..", "secrets.json"), "utf8")) as {
      kafkaBroker: { password: string };
    };
    secrets.push(broker.kafkaBroker.password);
    expect(outputs.length).toBeGreaterThan(15);
    for (const { what, text } of outputs) {
      for (const secret of secrets) expect(text.includes(secret), `a secret in the output of: ${what}`).toBe(false);
    }
  });
});
