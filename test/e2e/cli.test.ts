/** The built binary as a user runs it: help, exit codes, config errors, stdout/stderr separation. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stockpipe } from "../helpers";

const COMMANDS = [
  "topic",
  "produce",
  "consume",
  "schema",
  "query",
  "tail",
  "dlq",
  "verify",
  "demo",
  "analyze",
  "backfill",
  "notify",
  "local",
  "config",
  "doctor",
  "completion",
];

describe("stockpipe CLI shell", () => {
  it("lists every command in --help, on stdout, exit 0", async () => {
    const r = await stockpipe(["--help"]);
    expect(r.code).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${c}\\b`, "m"));
    expect(r.stdout).toContain("--log-level");
    expect(r.stdout).toContain("--no-color");
  });

  it("gives every command and subcommand --help with an example", async () => {
    const all = [
      ...COMMANDS.map((c) => [c]),
      ["topic", "create"],
      ["topic", "list"],
      ["topic", "describe"],
      ["topic", "delete"],
      ["local", "up"],
      ["local", "status"],
      ["local", "down"],
      ["local", "logs"],
      ["local", "env"],
      ["config", "show"],
      ["config", "init"],
      ["config", "reference"],
      ["topic", "lag"],
      ["dlq", "replay"],
      ["notify", "test"],
    ];
    const results = await Promise.all(all.map((c) => stockpipe([...c, "--help"])));
    results.forEach((r, i) => {
      expect(r.code, all[i]!.join(" ")).toBe(0);
      expect(r.stdout, all[i]!.join(" ")).toMatch(/Examples?( \(once built\))?:\n {2}\$ .*stockpipe /);
    });
  });

  it("exits 2 on usage errors", async () => {
    const unknownCommand = await stockpipe(["bogus"]);
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toContain("unknown command 'bogus'");
    const badChoice = await stockpipe(["topic", "list", "-f", "xml"]);
    expect(badChoice.code).toBe(2);
    expect(badChoice.stderr).toContain("Allowed choices are table, json, csv");
    const badName = await stockpipe(["topic", "create", "no/slashes"]);
    expect(badName.code).toBe(2);
    expect(badName.stderr).toContain('invalid topic name "no/slashes"');
    const noRange = await stockpipe(["backfill"]);
    expect(noRange.code).toBe(2);
    expect(noRange.stderr).toContain("required option '--from <time>' not specified");
    const badTime = await stockpipe(["backfill", "--from", "last tuesday"]);
    expect(badTime.code).toBe(2);
    expect(badTime.stderr).toContain('--from "last tuesday" is not a time: write an ISO time or a date such as 2024-01-02');
    const backwards = await stockpipe(["backfill", "--from", "2024-02-01", "--to", "2024-01-01"]);
    expect(backwards.code).toBe(2);
    expect(backwards.stderr).toContain("is not after --from");
  });

  it("refuses --latency for the lake, whose rows become readable per file", async () => {
    const r = await stockpipe(["consume", "--sink", "s3", "--latency"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--latency measures sinks that write each row through (cassandra)");
    const bad = await stockpipe(["consume", "--sink", "cassandra", "--latency-warmup", "soon"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--latency-warmup soon must be a duration");
  });

  it("asks for the crawler's role before calling Glue", async () => {
    const crawler = await stockpipe(["schema", "athena", "--glue-crawler"]);
    expect(crawler.code).toBe(2);
    expect(crawler.stderr).toContain("--glue-crawler needs athena.crawlerRole");
  });

  it("exits 3 on a bad stockpipe.yaml, listing every problem by path", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "stockpipe-e2e-"));
    writeFileSync(join(cwd, "stockpipe.yaml"), "kafka:\n  brokers: [nohost]\n  partitons: 3\ncassandra:\n  keyspace: 'x y'\n");
    const r = await stockpipe(["topic", "list"], { cwd });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("the configuration has 3 problems");
    expect(r.stderr).toContain('kafka.brokers[0] = "nohost": must be host:port');
    expect(r.stderr).toContain("kafka.partitons: unknown key (did you mean kafka.partitions?)");
    expect(r.stderr).toContain('cassandra.keyspace = "x y"');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("prints the resolved config with origins as JSON on stdout, secrets redacted", async () => {
    const r = await stockpipe(["config", "show", "-f", "json"], {
      env: {
        STOCKPIPE_KAFKA_TOPIC: "prices",
        STOCKPIPE_KAFKA_SASL_MECHANISM: "plain",
        STOCKPIPE_KAFKA_SASL_USERNAME: "u",
        STOCKPIPE_KAFKA_SASL_PASSWORD: "hunter2-secret",
      },
    });
    expect(r.code).toBe(0);
    const shown = JSON.parse(r.stdout);
    expect(shown["kafka.topic"]).toEqual({ value: "prices", origin: "env STOCKPIPE_KAFKA_TOPIC" });
    expect(shown["kafka.sasl.password"]).toEqual({ value: "***", origin: "env STOCKPIPE_KAFKA_SASL_PASSWORD" });
    expect(shown["kafka.partitions"]).toEqual({ value: 6, origin: "default" });
    expect(r.stdout + r.stderr).not.toContain("hunter2-secret");
  });

  it("masks configured secrets in error messages", async () => {
    // The password is also a broker name here, so the connection error quotes it: it must come out masked.
    const r = await stockpipe(["topic", "list"], {
      env: {
        STOCKPIPE_KAFKA_BROKERS: "sekrit-pass-123:1",
        STOCKPIPE_KAFKA_SASL_MECHANISM: "plain",
        STOCKPIPE_KAFKA_SASL_USERNAME: "u",
        STOCKPIPE_KAFKA_SASL_PASSWORD: "sekrit-pass-123",
      },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("cannot reach Kafka at ***:1");
    expect(r.stderr).not.toContain("sekrit-pass-123");
  });

  it("writes a starter config that then loads", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "stockpipe-e2e-"));
    const init = await stockpipe(["config", "init"], { cwd });
    expect(init.code).toBe(0);
    const again = await stockpipe(["config", "init"], { cwd });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("stockpipe.yaml already exists");
    const show = await stockpipe(["config", "show", "-f", "json"], { cwd });
    expect(show.code).toBe(0);
    expect(show.stderr).toContain(`config file: ${join(cwd, "stockpipe.yaml")}`);
  });

  it("prints no colour codes with NO_COLOR or --no-color, and no library warnings", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "stockpipe-e2e-"));
    writeFileSync(join(cwd, "stockpipe.yaml"), "kafka:\n  partitions: -1\n");
    for (const r of [
      await stockpipe(["topic", "list"], { cwd, env: { NO_COLOR: "1", FORCE_COLOR: "1" } }),
      await stockpipe(["--no-color", "topic", "list"], { cwd, env: { FORCE_COLOR: "1" } }),
    ]) {
      expect(r.code).toBe(3);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: looks for the escape that starts an ANSI colour code
      expect(r.stderr).not.toMatch(/\x1b\[/);
    }
    const doctor = await stockpipe(["doctor", "--skip", "kafka,cassandra"]);
    expect(doctor.stderr).not.toMatch(/Warning|DeprecationWarning|NodeVersionSupportWarning/);
  });
});

describe("pipes", () => {
  it("stops quietly when the reader closes the pipe early (| head)", async () => {
    const { spawnSync } = await import("node:child_process");
    const bin = join(__dirname, "..", "..", "bin", "stockpipe.js");
    for (const args of ["produce --source synthetic --seed 1 --limit 200000 --dry-run", "produce --help"]) {
      const r = spawnSync("bash", ["-c", `"${process.execPath}" "${bin}" ${args} | head -1; echo "exit=\${PIPESTATUS[0]}" >&2`], {
        encoding: "utf8",
      });
      expect(r.stdout.split("\n").filter(Boolean)).toHaveLength(1);
      expect(r.stderr).not.toMatch(/EPIPE|Unhandled|at /);
      expect(r.stderr).toMatch(/exit=0/);
    }
  });
});

describe("docs", () => {
  it("carry the current config reference", async () => {
    const { readFileSync } = await import("node:fs");
    const doc = readFileSync(join(__dirname, "..", "..", "docs", "configuration.md"), "utf8");
    const r = await stockpipe(["config", "reference"]);
    expect(r.code).toBe(0);
    expect(doc).toContain(r.stdout.trim());
  });

  it("link every page from the README, and the README shows the two commands on its first screen", async () => {
    const { readFileSync, readdirSync } = await import("node:fs");
    const root = join(__dirname, "..", "..");
    const readme = readFileSync(join(root, "README.md"), "utf8");
    for (const page of readdirSync(join(root, "docs"))) expect(readme).toContain(`(docs/${page})`);
    const firstScreen = readme.split("\n").slice(0, 50).join("\n");
    expect(firstScreen).toContain("npm ci && npx stockpipe demo");
    expect(firstScreen).toContain("npm ci && npm test");
  });
});

describe("shell completion", () => {
  it("prints bash and zsh scripts that call stockpipe back, and completes commands and flags", async () => {
    for (const shell of ["bash", "zsh"]) {
      const r = await stockpipe(["completion", shell]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain("stockpipe");
      expect(r.stdout).toContain("complete --");
    }
    const commands = await stockpipe(["complete", "--", "t"]);
    expect(commands.stdout).toMatch(/^topic\b/m);
    expect(commands.stdout).toMatch(/^tail\b/m);
    const flags = await stockpipe(["complete", "--", "consume", "--"]);
    expect(flags.stdout).toMatch(/^--sink\b/m);
    expect(flags.stdout).toMatch(/^--flush-rows\b/m);
  });
});
