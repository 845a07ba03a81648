/**
 * The README's main command as a newcomer runs it: the built CLI, `stockpipe demo`, on a machine whose stack has
 * never run — an empty home (so an empty local.dir) and ports of its own, beside the suite's stack. Only the Maven
 * repository is shared, so the services are not downloaded again.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import cassandra from "cassandra-driver";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, describe, expect, it } from "vitest";
import { stockpipe } from "../helpers";

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A base port whose next few (Kafka, its controller, Cassandra's two, S3) are all free. */
async function freeBase(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const base = 20_000 + 10 * Math.floor(Math.random() * 3000);
    const free = await Promise.all([0, 1, 2, 3, 4].map((o) => portFree(base + o)));
    if (free.every(Boolean)) return base;
  }
  throw new Error("no free ports for the newcomer's stack");
}

const n = (text: string) => Number(text.replace(/,/g, ""));

describe("the newcomer's first run", () => {
  const root = mkdtempSync(join(tmpdir(), "stockpipe-newcomer-"));
  const home = join(root, "home");
  let env: Record<string, string> = {};

  afterAll(async () => {
    // Whatever happened above, the newcomer's stack does not outlive the test.
    if (existsSync(join(home, ".stockpipe"))) await stockpipe(["local", "down", "--purge"], { env, timeoutMs: 180_000 });
    rmSync(root, { recursive: true, force: true });
  }, 240_000);

  it("`stockpipe demo` starts a stack that has never run and ends with both sinks exact, bars, alerts and notify; `local down --purge` removes it", async () => {
    const base = await freeBase();
    const ports = { kafka: base, cassandra: base + 2, storage: base + 3, s3: base + 4 };
    env = {
      HOME: home,
      MAVEN_OPTS: `${process.env.MAVEN_OPTS ?? ""} -Dmaven.repo.local=${join(homedir(), ".m2", "repository")}`.trim(),
      STOCKPIPE_LOCAL_KAFKA_PORT: String(ports.kafka),
      STOCKPIPE_LOCAL_CASSANDRA_PORT: String(ports.cassandra),
      STOCKPIPE_LOCAL_CASSANDRA_STORAGE_PORT: String(ports.storage),
      STOCKPIPE_LOCAL_S3_PORT: String(ports.s3),
    };
    const stackDir = join(home, ".stockpipe", "local");
    expect(existsSync(stackDir)).toBe(false);

    const r = await stockpipe(["demo", "--duration", "3s", "--symbols", "AAPL,MSFT"], { env, timeoutMs: 600_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("✔ local stack running");
    expect(r.stderr).not.toMatch(/error:|credentials/i);
    // The stack it started is the newcomer's own: in the empty home, with the S3 keys it made there.
    expect(existsSync(join(stackDir, "s3", "credentials.json"))).toBe(true);

    const produced = n(/produced +([\d,]+) ticks \(1 rejected row/.exec(r.stderr)![1]!);
    expect(produced).toBeGreaterThan(5692);
    expect(n(/Cassandra +([\d,]+) rows in stockpipe_demo\.ticks/.exec(r.stderr)![1]!)).toBe(produced);
    expect(n(/lake +([\d,]+) rows in s3:\/\/stockpipe\/demo\/ticks\//.exec(r.stderr)![1]!)).toBe(produced);
    expect(r.stderr).toContain("✔ both sinks hold every produced tick exactly once");
    const analyzed = /analyze +([\d,]+) 1-minute bars, ([\d,]+) alerts/.exec(r.stderr)!;
    expect(n(analyzed[1]!)).toBeGreaterThan(5692);
    expect(n(analyzed[2]!)).toBeGreaterThan(100);
    const notified = /notify +([\d,]+) alerts delivered in ([\d,]+) messages?/.exec(r.stderr)!;
    expect(n(notified[1]!)).toBeGreaterThan(100);
    expect(n(notified[1]!)).toBeLessThanOrEqual(n(analyzed[2]!));

    // Counted again from outside, on the newcomer's own ports: the topic holds every produced tick, and so does
    // Cassandra (the suite's stack on the default ports never saw this run).
    const kafka = new Kafka({ brokers: [`127.0.0.1:${ports.kafka}`], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets("stockpipe-demo");
    await admin.disconnect();
    expect(offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0)).toBe(produced);
    const cql = new cassandra.Client({ contactPoints: [`127.0.0.1:${ports.cassandra}`], localDataCenter: "datacenter1" });
    const rows = await cql.execute("SELECT count(*) AS n FROM stockpipe_demo.ticks");
    await cql.shutdown();
    expect(Number(String(rows.first().get("n")))).toBe(produced);
    const keys = JSON.parse(readFileSync(join(stackDir, "s3", "credentials.json"), "utf8"));
    expect(keys.accessKeyId).toMatch(/^SP[0-9A-F]{18}$/);

    const down = await stockpipe(["local", "down", "--purge"], { env, timeoutMs: 180_000 });
    expect(down.code, down.stderr).toBe(0);
    expect(down.stderr).toMatch(/data deleted/);
    for (const port of Object.values(ports)) expect(await portFree(port), `port ${port}`).toBe(true);
  }, 900_000);
});
