/** `stockpipe produce` against the real local Kafka: what went in is what comes out, field by field. */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import kafkajs from "kafkajs";
import { afterAll, describe, expect, it } from "vitest";
import { BIN, ROOT, stockpipe, uniqueName } from "../helpers";

const { Kafka, logLevel } = kafkajs;
const HSI = join(ROOT, "data", "indexProcessed-HSI.csv");
const kafka = new Kafka({ brokers: ["127.0.0.1:9092"], logLevel: logLevel.NOTHING });
const topics: string[] = [];

async function newTopic(partitions = 3): Promise<string> {
  const name = uniqueName("test-produce");
  const r = await stockpipe(["topic", "create", name, "-p", String(partitions)]);
  expect(r.code, r.stderr).toBe(0);
  topics.push(name);
  return name;
}

interface Read {
  key: string;
  value: Record<string, unknown>;
  headers: Record<string, string>;
  partition: number;
}

/** Reads every message of a topic from the beginning. */
async function readAll(topic: string, expected: number): Promise<Read[]> {
  const consumer = kafka.consumer({ groupId: uniqueName("test-reader") });
  const out: Read[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read ${out.length} of ${expected} messages`)), 60_000);
    void consumer.run({
      eachMessage: async ({ message, partition }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
        out.push({ key: String(message.key), value: JSON.parse(String(message.value)), headers, partition });
        if (out.length >= expected) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return out;
}

async function messageCount(topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  return offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
}

afterAll(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics }).catch(() => {});
  await admin.disconnect();
});

describe("stockpipe produce (real Kafka)", () => {
  it("puts every valid row of the shared HSI file into the topic, keyed by symbol, field by field", async () => {
    const topic = await newTopic();
    const rejects = join(mkdtempSync(join(tmpdir(), "sp-")), "rejects.jsonl");
    const r = await stockpipe(["produce", "--file", HSI, "--topic", topic, "--reject-file", rejects, "-f", "json"]);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    const lines = readFileSync(HSI, "utf8").split("\n");
    const rows = lines.slice(1, -1).map((l) => l.split(","));
    expect(summary).toMatchObject({
      sent: rows.length,
      rejected: 1,
      rejectedByReason: { "CloseUSD not a number": 1 },
      stoppedBy: "end of input",
    });

    const read = await readAll(topic, rows.length);
    expect(read).toHaveLength(rows.length);
    const bySeq = new Map(read.map((m) => [m.value.seq as number, m]));
    rows.forEach(([index, date, open, high, low, close, adj, volume], i) => {
      const m = bySeq.get(i + 2)!;
      expect(m.key).toBe(index);
      expect(m.headers.schema).toBe("tick.v1");
      expect(Number(m.headers["produced-at"])).toBeGreaterThan(Date.now() - 600_000);
      expect(m.value).toMatchObject({
        symbol: index,
        price: Number(close),
        open: Number(open),
        high: Number(high),
        low: Number(low),
        close: Number(close),
        adjClose: Number(adj),
        volume: Number(volume),
        source: "csv:indexProcessed-HSI.csv",
      });
      expect(String(m.value.ts).slice(0, 10)).toBe(date);
    });
    // One symbol: one partition, in file order.
    expect(new Set(read.map((m) => m.partition)).size).toBe(1);
    expect(read.map((m) => m.value.seq)).toEqual(rows.map((_, i) => i + 2));
    expect(
      readFileSync(rejects, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l)),
    ).toEqual([
      {
        line: lines.length,
        reason: 'CloseUSD "2913." is not a number (the file ends mid-line: it looks cut off)',
        raw: lines[lines.length - 1],
      },
    ]);
  });

  it("reports broken rows one by one without stopping the good ones; --strict stops at the first", async () => {
    const topic = await newTopic();
    const dir = mkdtempSync(join(tmpdir(), "sp-"));
    const file = join(dir, "broken.csv");
    writeFileSync(
      file,
      "symbol,ts,price,volume\nAAPL,2024-03-15T13:30:00Z,172.5,100\nAAPL,2024-03-15T13:30:01Z,oops,100\nMSFT,2024-03-15T13:30:01Z,420,-3\nMSFT,not-a-date,420,3\nMSFT,2024-03-15T13:30:02Z,421,7\n",
    );
    const r = await stockpipe(["produce", "--file", file, "--topic", topic, "-f", "json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('rejected line 3: price "oops" is not a number');
    expect(r.stderr).toContain("rejected line 4: volume must be ≥ 0, got -3");
    expect(r.stderr).toContain('rejected line 5: cannot read the date "not-a-date"');
    expect(JSON.parse(r.stdout)).toMatchObject({
      sent: 2,
      rejected: 3,
      rejectedByReason: { "price not a number": 1, "volume negative": 1, "unparseable date": 1 },
    });
    const read = await readAll(topic, 2);
    expect(read.map((m) => [m.key, m.value.price, m.value.ts]).sort()).toEqual([
      ["AAPL", 172.5, "2024-03-15T13:30:00.000Z"],
      ["MSFT", 421, "2024-03-15T13:30:02.000Z"],
    ]);

    const strict = await stockpipe(["produce", "--file", file, "--topic", topic, "--strict"]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('error: line 3: price "oops" is not a number (--strict stops at the first bad row)');
  });

  it("streams the simulator reproducibly: the same seed gives the same messages", async () => {
    const [a, b] = [await newTopic(1), await newTopic(1)];
    for (const t of [a, b]) {
      const r = await stockpipe([
        "produce",
        "--source",
        "synthetic",
        "--symbols",
        "AAPL,MSFT,GOOG",
        "--seed",
        "42",
        "--limit",
        "2000",
        "--topic",
        t,
      ]);
      expect(r.code, r.stderr).toBe(0);
    }
    const [ra, rb] = [await readAll(a, 2000), await readAll(b, 2000)];
    expect(ra.map((m) => [m.key, JSON.stringify(m.value)])).toEqual(rb.map((m) => [m.key, JSON.stringify(m.value)]));
    const dry = await stockpipe([
      "produce",
      "--source",
      "synthetic",
      "--symbols",
      "AAPL,MSFT,GOOG",
      "--seed",
      "42",
      "--limit",
      "2000",
      "--dry-run",
    ]);
    expect(dry.stdout.trim().split("\n")).toEqual(ra.map((m) => JSON.stringify(m.value)));
  });

  it("on SIGINT flushes what it read, prints the summary and exits 130", async () => {
    const topic = await newTopic();
    const child = spawn(
      process.execPath,
      [BIN, "produce", "--source", "synthetic", "--symbols", "50", "--rate", "2000", "--topic", topic, "-f", "json"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    await new Promise((r) => setTimeout(r, 3000));
    child.kill("SIGINT");
    const code = await new Promise<number>((r) => child.on("close", (c) => r(c ?? -1)));
    expect(code, stderr).toBe(130);
    const summary = JSON.parse(stdout);
    expect(summary.stoppedBy).toBe("interrupted");
    expect(summary.sent).toBeGreaterThan(1000);
    expect(await messageCount(topic)).toBe(summary.sent);
  });

  it("fails in one line on a missing file, a missing topic or an unmappable file", async () => {
    const missing = await stockpipe(["produce", "--file", "/no/such/file.csv"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe("error: file /no/such/file.csv does not exist — check the --file path");
    const noTopic = await stockpipe(["produce", "--file", HSI, "--topic", "no-such-topic-xyz"]);
    expect(noTopic.code).toBe(1);
    expect(noTopic.stderr).toContain(
      "error: topic no-such-topic-xyz does not exist — run `stockpipe topic create no-such-topic-xyz`, or pass --create-topic",
    );
    const dir = mkdtempSync(join(tmpdir(), "sp-"));
    writeFileSync(join(dir, "odd.csv"), "Ticker,When,Last\nAAPL,2024-01-02,1\n");
    const unmapped = await stockpipe(["produce", "--file", join(dir, "odd.csv"), "--dry-run"]);
    expect(unmapped.code).toBe(2);
    expect(unmapped.stderr).toContain(
      "cannot map the CSV columns to ticks: no column for ts; the columns found are Ticker, When, Last — pass --map ts=<column>",
    );
    const mapped = await stockpipe(["produce", "--file", join(dir, "odd.csv"), "--map", "ts=When", "--dry-run"]);
    expect(mapped.code, mapped.stderr).toBe(0);
    expect(JSON.parse(mapped.stdout)).toMatchObject({ symbol: "AAPL", price: 1, ts: "2024-01-02T05:00:00.000Z" });
  });

  it("creates the topic with --create-topic, replays with --speed and honours --from/--to", async () => {
    const topic = uniqueName("test-produce-created");
    topics.push(topic);
    const dir = mkdtempSync(join(tmpdir(), "sp-"));
    const file = join(dir, "t.csv");
    writeFileSync(
      file,
      "symbol,ts,price\nA,2024-01-01T00:00:00Z,1\nA,2024-01-01T00:00:01Z,2\nA,2024-01-01T00:00:02Z,3\nA,2024-01-02T00:00:00Z,4\n",
    );
    const started = Date.now();
    const r = await stockpipe([
      "produce",
      "--file",
      file,
      "--topic",
      topic,
      "--create-topic",
      "--speed",
      "2",
      "--to",
      "2024-01-01T00:00:02Z",
      "-f",
      "json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    // Two seconds of event time at twice the speed: about one second of wall time.
    expect(Date.now() - started).toBeGreaterThan(1000);
    expect(JSON.parse(r.stdout)).toMatchObject({ sent: 3, skippedOutsideRange: 1 });
    expect((await readAll(topic, 3)).map((m) => m.value.price)).toEqual([1, 2, 3]);
  });
});
