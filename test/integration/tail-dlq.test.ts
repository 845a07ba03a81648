/** `stockpipe tail` and `stockpipe dlq` against the real local Kafka (and Cassandra for replay). */
import cassandra from "cassandra-driver";
import kafkajs from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep, start } from "../faults/processes";
import { stockpipe, uniqueName } from "../helpers";

const { Kafka, logLevel } = kafkajs;
const kafka = new Kafka({ brokers: ["127.0.0.1:9092"], logLevel: logLevel.NOTHING });
const producer = kafka.producer();
const admin = kafka.admin();
const cql = new cassandra.Client({ contactPoints: ["127.0.0.1:9042"], localDataCenter: "datacenter1" });

const SYNTHETIC = ["--source", "synthetic", "--symbols", "AAPL,MSFT,NVDA", "--seed", "7", "--limit", "60"];

async function newTopic(partitions = 3): Promise<string> {
  const name = uniqueName("test-tail");
  const r = await stockpipe(["topic", "create", name, "-p", String(partitions)]);
  expect(r.code, r.stderr).toBe(0);
  return name;
}

/** The ticks the simulator makes for SYNTHETIC, as JSON objects (the producer's own dry run). */
async function expectedTicks(): Promise<Record<string, unknown>[]> {
  const dry = await stockpipe(["produce", ...SYNTHETIC, "--dry-run"]);
  expect(dry.code, dry.stderr).toBe(0);
  return dry.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
}

const lines = (stdout: string) =>
  stdout
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));

beforeAll(async () => {
  await producer.connect();
  await admin.connect();
  await cql.connect();
});
afterAll(async () => {
  await producer.disconnect();
  await admin.disconnect();
  await cql.shutdown();
});

describe("stockpipe tail", () => {
  let topic: string;
  let ticks: Record<string, unknown>[];
  beforeAll(async () => {
    topic = await newTopic();
    ticks = await expectedTicks();
    const r = await stockpipe(["produce", ...SYNTHETIC, "--topic", topic]);
    expect(r.code, r.stderr).toBe(0);
  });

  it("prints every record from the beginning, field by field, then stops at the end", async () => {
    const r = await stockpipe(["tail", topic, "--from", "earliest", "--no-follow", "-f", "json"]);
    expect(r.code, r.stderr).toBe(0);
    const got = lines(r.stdout);
    const byId = (a: Record<string, unknown>, b: Record<string, unknown>) => String(a.id).localeCompare(String(b.id));
    expect([...got].sort(byId)).toEqual([...ticks].sort(byId));
    // Per symbol (one partition each), in the order produced.
    for (const s of ["AAPL", "MSFT", "NVDA"]) expect(got.filter((t) => t.symbol === s)).toEqual(ticks.filter((t) => t.symbol === s));
    expect(r.stderr).toContain(`60 records from ${topic}`);
  });

  it("takes the last N of each partition, one symbol, a limit, and adds meta and headers on request", async () => {
    // Symbols share partitions as their keys hash: the last 2 of each partition, whichever symbols they are.
    const all = lines((await stockpipe(["tail", topic, "--from", "earliest", "--no-follow", "--meta", "-f", "json"])).stdout);
    const partitions = [...new Set(all.map((r) => r.partition as number))];
    const expected = partitions.flatMap((p) => all.filter((r) => r.partition === p).slice(-2));
    const last = lines((await stockpipe(["tail", topic, "--from", "-2", "--no-follow", "--meta", "-f", "json"])).stdout);
    const byPlace = (a: Record<string, unknown>, b: Record<string, unknown>) =>
      `${a.partition}|${a.offset}`.localeCompare(`${b.partition}|${b.offset}`);
    expect(last.sort(byPlace)).toEqual(expected.sort(byPlace));
    expect(last).toHaveLength(2 * partitions.length);

    const msft = lines((await stockpipe(["tail", topic, "--from", "earliest", "--symbol", "msft", "--no-follow", "-f", "json"])).stdout);
    expect(msft).toEqual(ticks.filter((t) => t.symbol === "MSFT"));

    const three = await stockpipe(["tail", topic, "--from", "earliest", "-n", "3", "--no-follow", "--meta", "--headers", "-f", "json"]);
    const rows = lines(three.stdout);
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(row).toMatchObject({ key: row.symbol, headers: { schema: "tick.v1" } });
      expect(Number.isInteger(row.partition)).toBe(true);
      expect(row.offset).toMatch(/^\d+$/);
    }
  });

  it("prints a compact table: one header, one rule, a line per record", async () => {
    const r = await stockpipe(["tail", topic, "--from", "earliest", "--no-follow", "--symbol", "AAPL", "-n", "1"]);
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout.trim().split("\n");
    expect(out[0]).toMatch(/^symbol\s+│ ts\s+│ price/);
    expect(out[1]).toMatch(/^─+─┼─/);
    expect(out).toHaveLength(3);
    const first = ticks.find((t) => t.symbol === "AAPL")!;
    expect(out[2]).toContain(String(first.ts));
    expect(out[2]).toContain(String(first.price));
  });

  it("follows new records until stopped", async () => {
    const follow = stockpipe(["tail", topic, "--from", "latest", "--follow", "-n", "2", "-f", "json"], { timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 3000));
    const fresh = [
      { symbol: "ZZZ", ts: "2024-05-01T10:00:00.000Z", price: 1.5 },
      { symbol: "ZZZ", ts: "2024-05-01T10:00:01.000Z", price: 1.75 },
    ];
    await producer.send({
      topic,
      messages: fresh.map((t) => ({ key: t.symbol, value: JSON.stringify(t), headers: { schema: "tick.v1" } })),
    });
    const r = await follow;
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout)).toEqual(fresh);
  });

  it("with --symbol, -N is the last N records of the symbol, not the last N of the partition filtered", async () => {
    const one = await newTopic(1);
    const sent = await stockpipe(["produce", ...SYNTHETIC, "--topic", one]);
    expect(sent.code, sent.stderr).toBe(0);
    const aapl = ticks.filter((t) => t.symbol === "AAPL");
    // The simulator interleaves the symbols: the partition's last records are mostly not AAPL's.
    const got = lines((await stockpipe(["tail", one, "--symbol", "AAPL", "--from", "-2", "--no-follow", "-f", "json"])).stdout);
    expect(got).toEqual(aapl.slice(-2));
    const deflt = await stockpipe(["tail", one, "--symbol", "AAPL", "-n", "2", "--no-follow", "-f", "json"]);
    expect(lines(deflt.stdout)).toEqual(aapl.slice(-10, -8));
  });

  it("stops on Ctrl-C with exit 130 and what it printed, not an error", async () => {
    const follow = start(["tail", topic, "--from", "latest", "--follow", "-f", "json"], {});
    await sleep(4000);
    follow.child.kill("SIGINT");
    expect(await follow.done, follow.err()).toBe(130);
    expect(follow.err()).toMatch(/stopped: 0 records printed/);
    expect(follow.err()).not.toContain("error");
  });

  it("says a missing topic does not exist, as every command does", async () => {
    const r = await stockpipe(["tail", "no-such-topic-tail", "--no-follow"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: topic no-such-topic-tail does not exist — run `stockpipe topic create no-such-topic-tail`");
    for (const args of [["verify"], ["consume", "--sink", "s3", "--exit-at-end"]]) {
      const other = await stockpipe([...args, "--topic", "no-such-topic-tail"]);
      expect(other.code, args[0]).toBe(1);
      expect(other.stderr).toContain("error: topic no-such-topic-tail does not exist — run `stockpipe topic create no-such-topic-tail`");
    }
  });
});

describe("stockpipe dlq", () => {
  it("counts dead letters by reason, with readable samples of binary and oversized ones", async () => {
    const topic = await newTopic(1);
    const binary = Buffer.from([0x00, 0xff, 0xfe, 0x01, 0x02, 0x80]);
    const big = JSON.stringify({ symbol: "AAPL", ts: "2024-01-02T14:30:00.000Z", price: 1, source: "x".repeat(200_000) });
    await producer.send({
      topic,
      messages: [
        { key: "AAPL", value: binary },
        { key: "AAPL", value: big },
        { key: "AAPL", value: "not json at all" },
        { key: "AAPL", value: "still not json" },
        { key: "AAPL", value: JSON.stringify({ symbol: "AAPL", ts: "2024-01-02T14:30:00.000Z", price: 10 }) },
      ],
    });
    const ks = uniqueName("test").replace(/-/g, "_");
    const env = { STOCKPIPE_KAFKA_TOPIC: topic, STOCKPIPE_CASSANDRA_KEYSPACE: ks };
    expect((await stockpipe(["schema", "cassandra"], { env })).code).toBe(0);
    const c = await stockpipe(["consume", "--sink", "cassandra", "--exit-at-end", "-g", uniqueName("g")], { env });
    expect(c.code, c.stderr).toBe(0);

    const r = await stockpipe(["dlq", topic, "-f", "json"]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.total).toBe(4);
    expect(s.reasons.map((x: { reason: string; count: number }) => [x.reason, x.count])).toEqual([
      ["not JSON", 3],
      ["oversized", 1],
    ]);
    const samples = s.reasons.flatMap((x: { samples: { value: string; source: string }[] }) => x.samples);
    expect(samples.map((x: { value: string }) => x.value)).toContain("0x00fffe010280");
    const oversized = s.reasons.find((x: { reason: string }) => x.reason === "oversized").samples[0];
    expect(oversized.value).toMatch(/^\{"symbol":"AAPL".*… \(200,07\d bytes\)$/);
    expect(oversized.source).toBe(`${topic}[0]@1`);

    const table = await stockpipe(["dlq", topic]);
    expect(table.stdout).toMatch(/│ not JSON\s+│\s+3 │/);
    const dead = lines((await stockpipe(["tail", `${topic}.dlq`, "--from", "earliest", "--no-follow", "--headers", "-f", "json"])).stdout);
    expect(dead.map((d) => d.headers["dlq-reason"])).toEqual(["not JSON", "oversized", "not JSON", "not JSON"]);
    // Without --headers too: why, and which pipeline refused it.
    const plain = lines((await stockpipe(["tail", `${topic}.dlq`, "--from", "earliest", "--no-follow", "-f", "json"])).stdout);
    expect(plain.map((d) => [d.reason, d.refusedBy])).toEqual(
      ["not JSON", "oversized", "not JSON", "not JSON"].map((reason) => [reason, expect.stringMatching(/^consume \(group /)]),
    );

    // analyze reads the same topic and refuses the same four: one letter more for each, but still four messages.
    const a = await stockpipe(["analyze", "--exit-at-end", "-g", uniqueName("a"), "--from", "earliest", "-f", "json"], { env });
    expect(a.code, a.stderr).toBe(0);
    const both = JSON.parse((await stockpipe(["dlq", topic, "-f", "json"])).stdout);
    expect([both.total, both.copies]).toEqual([4, 4]);
    for (const x of both.reasons.flatMap((r: { samples: { refusedBy: string }[] }) => r.samples))
      expect(x.refusedBy).toMatch(/^consume \(group [^)]+\), analyze \(group [^)]+\)$/);
    const dry = JSON.parse((await stockpipe(["dlq", "replay", topic, "--dry-run", "-f", "json"])).stdout);
    expect(dry).toMatchObject({ total: 4, copies: 4, replayed: { [topic]: 4 } });
    await cql.execute(`DROP KEYSPACE IF EXISTS ${ks}`);
  });

  it("replays exactly the chosen dead letters to their topic, where they are consumed once the cause is fixed", async () => {
    const topic = await newTopic();
    const ticks = await expectedTicks();
    expect((await stockpipe(["produce", ...SYNTHETIC, "--topic", topic])).code).toBe(0);
    await producer.send({ topic, messages: [{ key: "AAPL", value: "garbage" }] });
    const ks = uniqueName("test").replace(/-/g, "_");
    const env = { STOCKPIPE_KAFKA_TOPIC: topic, STOCKPIPE_CASSANDRA_KEYSPACE: ks, STOCKPIPE_CONSUMER_GROUP: uniqueName("g") };
    expect((await stockpipe(["schema", "cassandra"], { env })).code).toBe(0);
    // Every tick is larger than this limit: all 60 are dead letters, with the one that is not JSON.
    const first = await stockpipe(["consume", "--sink", "cassandra", "--exit-at-end", "-f", "json"], {
      env: { ...env, STOCKPIPE_CONSUMER_MAX_MESSAGE_BYTES: "100" },
    });
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ written: 0, dlq: 61, dlqByReason: { oversized: 60, "not JSON": 1 } });

    const offsets = async () => (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
    const before = await offsets();
    const dry = await stockpipe(["dlq", "replay", topic, "--reason", "oversized", "--dry-run", "-f", "json"]);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, total: 60, skipped: 1, replayed: { [topic]: 60 } });
    expect(await offsets()).toBe(before);

    const replay = await stockpipe(["dlq", "replay", topic, "--reason", "oversized"]);
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stderr).toContain(`replayed 60 dead letters (60 to ${topic}; 60 oversized); 1 with other reasons left`);
    expect(await offsets()).toBe(before + 60);
    const back = lines((await stockpipe(["tail", topic, "--from", "-20", "--no-follow", "--headers", "-f", "json"])).stdout).filter(
      (r) => r.headers["produced-at"],
    );
    for (const r of back) expect(Object.keys(r.headers).filter((h) => h.startsWith("dlq-"))).toEqual([]);

    // The cause fixed (the default limit): the replayed ticks are consumed, each stored once, equal to what was produced.
    const second = await stockpipe(["consume", "--sink", "cassandra", "--exit-at-end", "-f", "json"], { env });
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ written: 60, dlq: 0 });
    const rows = (await cql.execute(`SELECT symbol, ts, price, seq FROM ${ks}.ticks`)).rows;
    const stored = rows.map((r) => ({ symbol: r.symbol, ts: (r.ts as Date).toISOString(), price: r.price, seq: Number(r.seq) }));
    const want = ticks.map((t) => ({ symbol: t.symbol, ts: t.ts, price: t.price, seq: t.seq }));
    const key = (x: { symbol: unknown; seq: unknown }) => `${x.symbol}|${x.seq}`;
    expect(stored.sort((a, b) => key(a).localeCompare(key(b)))).toEqual(want.sort((a, b) => key(a).localeCompare(key(b))));
    await cql.execute(`DROP KEYSPACE IF EXISTS ${ks}`);
  });
});
