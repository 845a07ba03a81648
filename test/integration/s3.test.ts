/** The S3 lake against the real local S3 server and Kafka: layout, content, crash replay, the local engine. */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { DuckDBInstance } from "@duckdb/node-api";
import kafkajs from "kafkajs";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/loader";
import { withLocalS3Credentials } from "../../src/local/credentials";
import { s3ClientOptions } from "../../src/sinks/s3/client";
import { BIN, ROOT, stockpipe, uniqueName } from "../helpers";

const { Kafka, logLevel } = kafkajs;
const HSI = join(ROOT, "data", "indexProcessed-HSI.csv");
const kafka = new Kafka({ brokers: ["127.0.0.1:9092"], logLevel: logLevel.NOTHING });
const s3 = new S3Client(s3ClientOptions(withLocalS3Credentials(loadConfig({ env: {} })).config));
const topics: string[] = [];
const prefixes: string[] = [];

async function newTopic(partitions: number): Promise<string> {
  const name = uniqueName("test-s3");
  topics.push(name, `${name}.dlq`);
  expect((await stockpipe(["topic", "create", name, "-p", String(partitions)])).code).toBe(0);
  return name;
}

function newPrefix(): string {
  const p = `test/${uniqueName("lake")}`;
  prefixes.push(p);
  return p;
}

async function listKeys(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: "stockpipe", Prefix: `${prefix}/`, ContinuationToken: token }));
    for (const o of page.Contents ?? []) keys.push(o.Key!);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}

/** Reads every Parquet object under the prefix with DuckDB, independently of stockpipe's local engine. */
async function readLake(prefix: string): Promise<Record<string, unknown>[]> {
  const dir = mkdtempSync(join(tmpdir(), "lake-"));
  const keys = await listKeys(prefix);
  for (const [i, key] of keys.entries()) {
    const out = await s3.send(new GetObjectCommand({ Bucket: "stockpipe", Key: key }));
    writeFileSync(join(dir, `${i}.parquet`), Buffer.from(await out.Body!.transformToByteArray()));
  }
  if (keys.length === 0) return [];
  const db = await DuckDBInstance.create(":memory:");
  const c = await db.connect();
  const reader = await c.runAndReadAll(
    `SELECT symbol, strftime(ts, '%Y-%m-%dT%H:%M:%S.%g') || 'Z' AS ts, price, open, high, low, close, adj_close, volume, seq, source, id FROM read_parquet('${dir}/*.parquet')`,
  );
  const rows = reader
    .getRowObjects()
    .map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === "bigint" ? Number(v) : v])));
  c.closeSync();
  return rows;
}

afterAll(async () => {
  for (const p of prefixes) {
    const keys = await listKeys(p);
    for (let i = 0; i < keys.length; i += 1000)
      await s3.send(
        new DeleteObjectsCommand({ Bucket: "stockpipe", Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })) } }),
      );
  }
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics }).catch(() => {});
  await admin.disconnect();
  s3.destroy();
});

describe("consume --sink s3", () => {
  it("fills the lake with the HSI file: dt partitions, deterministic keys, every row equal to the file", async () => {
    const topic = await newTopic(1);
    const prefix = newPrefix();
    expect((await stockpipe(["produce", "--file", HSI, "--topic", topic])).code).toBe(0);
    const env = { STOCKPIPE_KAFKA_TOPIC: topic, STOCKPIPE_S3_PREFIX: prefix };
    const r = await stockpipe(["consume", "--sink", "s3", "-g", uniqueName("g"), "--exit-at-end", "-f", "json"], {
      env,
      timeoutMs: 300_000,
    });
    expect(r.code, r.stderr).toBe(0);
    const lines = readFileSync(HSI, "utf8").split("\n").slice(1, -1);
    expect(JSON.parse(r.stdout)).toMatchObject({ written: lines.length, stoppedBy: "caught up" });

    // Daily bars: one file per trading day, named by topic, partition and the offset of its first row.
    const keys = await listKeys(prefix);
    expect(keys).toHaveLength(lines.length);
    lines.forEach((line, offset) => {
      const date = line.split(",")[1];
      expect(keys).toContain(`${prefix}/ticks/dt=${date}/${topic}+0+${offset}.parquet`);
    });

    const rows = await readLake(prefix);
    expect(rows).toHaveLength(lines.length);
    const bySeq = new Map(rows.map((row) => [row.seq as number, row]));
    lines.forEach((line, i) => {
      const [index, date, open, high, low, close, adj, volume] = line.split(",");
      expect(bySeq.get(i + 2)).toMatchObject({
        symbol: index,
        price: Number(close),
        open: Number(open),
        high: Number(high),
        low: Number(low),
        close: Number(close),
        adj_close: Number(adj),
        volume: Number(volume),
        source: "csv:indexProcessed-HSI.csv",
      });
      expect(String(bySeq.get(i + 2)!.ts).slice(0, 10)).toBe(date);
    });

    // The local engine answers from the same objects; aggregates match the file computed here.
    const q = await stockpipe(
      [
        "query",
        "--engine",
        "local",
        "SELECT symbol, count(*) AS n, max(price) AS max_close, min(dt) AS first_day, sum(volume) AS volume FROM ticks GROUP BY symbol",
        "-f",
        "json",
      ],
      { env },
    );
    expect(q.code, q.stderr).toBe(0);
    const closes = lines.map((l) => Number(l.split(",")[5]));
    const volumes = lines.reduce((n, l) => n + Number(l.split(",")[7]), 0);
    expect(JSON.parse(q.stdout)).toEqual([
      { symbol: "HSI", n: lines.length, max_close: Math.max(...closes), first_day: lines[0]!.split(",")[1], volume: volumes },
    ]);
  });

  it("after SIGKILL mid-stream and a restart holds every tick exactly once, in the same files", async () => {
    const topic = await newTopic(3);
    const prefix = newPrefix();
    const total = 120_000;
    expect(
      (await stockpipe(["produce", "--source", "synthetic", "--symbols", "40", "--seed", "21", "--limit", String(total), "--topic", topic]))
        .code,
    ).toBe(0);
    const group = uniqueName("g");
    // Small files so several are written before the kill.
    const env = {
      STOCKPIPE_KAFKA_TOPIC: topic,
      STOCKPIPE_S3_PREFIX: prefix,
      STOCKPIPE_CONSUMER_FLUSH_ROWS: "5000",
      STOCKPIPE_CONSUMER_BATCH_SIZE: "1000",
    };
    const child = spawn(process.execPath, [BIN, "consume", "--sink", "s3", "-g", group], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    for (let i = 0; i < 600 && (await listKeys(prefix)).length < 4; i++) await new Promise((r) => setTimeout(r, 100));
    child.kill("SIGKILL");
    await new Promise((r) => child.on("close", r));
    const before = await listKeys(prefix);
    expect(before.length).toBeGreaterThan(0);

    const r = await stockpipe(["consume", "--sink", "s3", "-g", group, "--exit-at-end", "-f", "json"], { env, timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    const rows = await readLake(prefix);
    const seqs = rows.map((row) => row.seq as number).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i));
    // Same input offsets → same keys: what was written before the kill was overwritten, not duplicated.
    const after = await listKeys(prefix);
    for (const key of before) expect(after).toContain(key);
    for (const key of after) expect(key).toMatch(new RegExp(`^${prefix}/ticks/dt=\\d{4}-\\d{2}-\\d{2}/${topic}\\+[0-2]\\+\\d+\\.parquet$`));
    // Each row equals the simulator's tick.
    const dry = await stockpipe(["produce", "--source", "synthetic", "--symbols", "40", "--seed", "21", "--limit", "300", "--dry-run"]);
    const bySeq = new Map(rows.map((row) => [row.seq as number, row]));
    for (const line of dry.stdout.trim().split("\n")) {
      const t = JSON.parse(line);
      expect(bySeq.get(t.seq)).toMatchObject({ symbol: t.symbol, ts: t.ts, price: t.price, id: t.id, volume: t.volume });
    }
  });

  it("decoding in threads beside the main one (consumer.decodeThreads): the same lake, bad messages to the DLQ", async () => {
    const topic = await newTopic(3);
    const prefix = newPrefix();
    const total = 30_000;
    const simulated = ["produce", "--source", "synthetic", "--symbols", "20", "--seed", "5", "--limit", String(total)];
    expect((await stockpipe([...simulated, "--topic", topic])).code).toBe(0);
    // Bad messages among them, in every partition: each must reach the DLQ with its reason, nothing else lost.
    const producer = kafka.producer();
    await producer.connect();
    const bad = [
      { value: "{not json", reason: "not JSON" },
      { value: JSON.stringify({ symbol: "X", ts: "2024-01-02T14:30:00.000Z", price: 1, color: "red" }), reason: "unknown field" },
      { value: JSON.stringify({ symbol: "X", ts: "2024-01-02T14:30:00.000Z", price: -1 }), reason: "price not > 0" },
    ];
    await producer.send({
      topic,
      messages: [0, 1, 2].flatMap((partition) => bad.map((b) => ({ partition, value: b.value, headers: { schema: "tick.v1" } }))),
    });
    await producer.disconnect();
    const env = {
      STOCKPIPE_KAFKA_TOPIC: topic,
      STOCKPIPE_S3_PREFIX: prefix,
      STOCKPIPE_CONSUMER_DECODE_THREADS: "2",
      STOCKPIPE_CONSUMER_BATCH_SIZE: "700",
      STOCKPIPE_CONSUMER_FLUSH_ROWS: "4000",
    };
    const r = await stockpipe(["consume", "--sink", "s3", "-g", uniqueName("g"), "--exit-at-end", "-f", "json", "--log-level", "debug"], {
      env,
      timeoutMs: 300_000,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("decoding ticks in 2 thread(s) beside the main one");
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ consumed: total + 9, written: total, dlq: 9, stoppedBy: "caught up" });
    expect(summary.dlqByReason).toEqual(Object.fromEntries(bad.map((b) => [b.reason, 3])));
    // Every row is the simulator's tick, once.
    const rows = await readLake(prefix);
    expect(rows.map((row) => row.seq as number).sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i));
    const dry = await stockpipe([...simulated, "--dry-run"]);
    const bySeq = new Map(rows.map((row) => [row.seq as number, row]));
    for (const line of dry.stdout.trim().split("\n")) {
      const t = JSON.parse(line);
      expect(bySeq.get(t.seq)).toMatchObject({ symbol: t.symbol, ts: t.ts, price: t.price, id: t.id, volume: t.volume, source: t.source });
    }
  });

  it("answers local queries from an empty lake and fails clearly on a missing bucket", async () => {
    const empty = await stockpipe(["query", "--engine", "local", "SELECT count(*) AS n FROM ticks", "-f", "json"], {
      env: { STOCKPIPE_S3_PREFIX: newPrefix() },
    });
    expect(empty.code, empty.stderr).toBe(0);
    expect(JSON.parse(empty.stdout)).toEqual([{ n: 0 }]);
    const missing = await stockpipe(["query", "--engine", "local", "SELECT 1 FROM ticks"], {
      env: { STOCKPIPE_S3_BUCKET: "no-such-bucket-xyz" },
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("cannot list the lake at s3://no-such-bucket-xyz/lake");
  });
});

describe("lake partitions by month and by year", () => {
  it.each([
    ["month", 7],
    ["year", 4],
  ] as const)(
    "cuts one file per %s, keys and rows as the file says, and the local engine and verify read it",
    async (partitionBy, width) => {
      const topic = await newTopic(1);
      const prefix = newPrefix();
      expect((await stockpipe(["produce", "--file", HSI, "--topic", topic])).code).toBe(0);
      const env = { STOCKPIPE_KAFKA_TOPIC: topic, STOCKPIPE_S3_PREFIX: prefix, STOCKPIPE_S3_PARTITION_BY: partitionBy };
      const r = await stockpipe(["consume", "--sink", "s3", "-g", uniqueName("g"), "--exit-at-end", "-f", "json"], {
        env,
        timeoutMs: 300_000,
      });
      expect(r.code, r.stderr).toBe(0);
      const lines = readFileSync(HSI, "utf8").split("\n").slice(1, -1);
      // The first row of each period starts a file: its offset names it.
      const expected: string[] = [];
      lines.forEach((line, offset) => {
        const period = line.split(",")[1]!.slice(0, width);
        if (offset === 0 || lines[offset - 1]!.split(",")[1]!.slice(0, width) !== period)
          expected.push(`${prefix}/ticks/dt=${period}/${topic}+0+${offset}.parquet`);
      });
      expect(await listKeys(prefix)).toEqual(expected.sort());

      const rows = await readLake(prefix);
      expect(rows).toHaveLength(lines.length);
      const bySeq = new Map(rows.map((row) => [row.seq as number, row]));
      lines.forEach((line, i) => {
        const [index, date, open, high, low, close] = line.split(",");
        expect(bySeq.get(i + 2)).toMatchObject({
          symbol: index,
          open: Number(open),
          high: Number(high),
          low: Number(low),
          close: Number(close),
        });
        expect(String(bySeq.get(i + 2)!.ts).slice(0, 10)).toBe(date);
      });

      const counts = new Map<string, number>();
      for (const line of lines) {
        const period = line.split(",")[1]!.slice(0, width);
        counts.set(period, (counts.get(period) ?? 0) + 1);
      }
      const q = await stockpipe(
        ["query", "--engine", "local", "SELECT dt, count(*) AS n FROM ticks GROUP BY dt ORDER BY dt", "-f", "json"],
        { env },
      );
      expect(q.code, q.stderr).toBe(0);
      expect(JSON.parse(q.stdout)).toEqual([...counts].map(([dt, n]) => ({ dt, n })));

      const v = await stockpipe(["verify", "--sinks", "s3", "--since", "2009-06-15", "-f", "json"], { env });
      expect(v.code, v.stderr).toBe(0);
      const since = lines.filter((l) => l.split(",")[1]! >= "2009-06-15").length;
      expect(JSON.parse(v.stdout).symbols).toEqual([
        expect.objectContaining({ sink: "s3", symbol: "HSI", kafka: since, stored: since, missing: 0, extra: 0 }),
      ]);
    },
  );
});

describe("schema athena --dry-run", () => {
  it("prints DDL whose LOCATION and template match the sink's keys", async () => {
    const r = await stockpipe(["schema", "athena", "--dry-run"], {
      env: { STOCKPIPE_S3_BUCKET: "my-lake", STOCKPIPE_S3_PREFIX: "market/v1", STOCKPIPE_ATHENA_DATABASE: "markets" },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("CREATE DATABASE IF NOT EXISTS `markets`;");
    expect(r.stdout).toContain("CREATE EXTERNAL TABLE IF NOT EXISTS `markets`.`ticks` (");
    expect(r.stdout).toContain("LOCATION 's3://my-lake/market/v1/ticks/'");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Athena's own ${dt} placeholder, verbatim
    expect(r.stdout).toContain("'storage.location.template' = 's3://my-lake/market/v1/ticks/dt=${dt}/'");
    expect(r.stdout).toContain("PARTITIONED BY (`dt` string)");
    expect(r.stdout).toContain("STORED AS PARQUET");
  });
});
