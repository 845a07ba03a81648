/**
 * `stockpipe analyze` against the real local Kafka: bars compared field by field with a DuckDB computation over
 * the same ticks (test/oracle.ts), late ticks, a restart from the checkpoint, planted alerts, bad input.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import cassandra from "cassandra-driver";
import kafkajs, { type Message } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stockpipe, uniqueName } from "../helpers";
import { barsOf, compareBars, oracleBars, oracleLate, oracleTicks, readTopic } from "../oracle";
import { TestStores } from "../stores";

const { Kafka, logLevel } = kafkajs;
const kafka = new Kafka({ brokers: ["127.0.0.1:9092"], logLevel: logLevel.NOTHING });
const producer = kafka.producer();

const T0 = Date.parse("2024-01-02T14:30:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();

/** Lake prefixes the tests wrote to, removed at the end. */
const stores = new TestStores();

beforeAll(async () => {
  await producer.connect();
});
afterAll(async () => {
  await producer.disconnect();
  await stores.cleanUp();
});

async function newTopic(partitions: number): Promise<string> {
  const name = uniqueName("test-analyze");
  const r = await stockpipe(["topic", "create", name, "-p", String(partitions)]);
  expect(r.code, r.stderr).toBe(0);
  return name;
}

async function produceSynthetic(topic: string, seed: number, start: number, limit: number): Promise<void> {
  const r = await stockpipe([
    "produce",
    "--source",
    "synthetic",
    "--symbols",
    "12",
    "--seed",
    String(seed),
    "--start",
    iso(start),
    "--limit",
    String(limit),
    "--topic",
    topic,
  ]);
  expect(r.code, r.stderr).toBe(0);
}

function tickMessage(symbol: string, ts: number, price: number, volume = 100): Message {
  return { key: symbol, value: JSON.stringify({ symbol, ts: iso(ts), price, volume }), headers: { schema: "tick.v1" } };
}

async function runAnalyze(topic: string, group: string, args: string[] = [], env: Record<string, string> = {}) {
  const r = await stockpipe(["analyze", "--topic", topic, "-g", group, "--exit-at-end", "-f", "json", ...args], { env });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

/** Every committed record of a topic as JSON, with its headers. */
async function records(topic: string): Promise<{ value: Record<string, unknown>; headers: Record<string, string> }[]> {
  return (await readTopic(kafka, topic)).map(({ message }) => ({
    value: JSON.parse(message.value!.toString()),
    headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
  }));
}

describe("stockpipe analyze", () => {
  it("emits exactly the bars a DuckDB query computes from the same ticks, across a restart, with late ticks set apart", async () => {
    const topic = await newTopic(3);
    const group = uniqueName("analyze");
    const intervals = { "1s": 1000, "10s": 10_000, "1m": 60_000 };
    const lateness = ["--intervals", "1s,10s,1m", "--lateness", "2s"];
    await produceSynthetic(topic, 11, T0, 60_000);
    // Hand-made ticks after the simulated minute: in order, out of order within the lateness, and far behind.
    await producer.send({
      topic,
      messages: [
        tickMessage("AAA", T0 + 61_000, 10),
        tickMessage("AAA", T0 + 62_500, 11, 300),
        tickMessage("AAA", T0 + 61_200, 9.5, 50), // 1.3 s behind the largest: counts
        tickMessage("AAA", T0 + 10_000, 12), // 52 s behind: late
        tickMessage("BBB", T0 + 5_000, 20), // behind its partition's simulated ticks: late
        tickMessage("BBB", T0 + 61_500, 21, 0),
        tickMessage("BBB", T0 + 61_500, 22, 0), // same event time: the later offset is the close
      ],
    });
    const first = await runAnalyze(topic, group, lateness);
    expect(first.transactions).toBeGreaterThan(0);
    await produceSynthetic(topic, 12, T0 + 70_000, 60_000);
    const second = await runAnalyze(topic, group, lateness);
    expect(second.restored).toBe(3);

    const ticks = oracleTicks(await readTopic(kafka, topic));
    const expected = await oracleBars(ticks, intervals, 2000);
    expect(expected.filter((b) => b.interval === "1m").length).toBeGreaterThanOrEqual(12);
    const got = await barsOf(kafka, topic, Object.keys(intervals));
    expect(compareBars(got, expected)).toEqual([]);
    expect(got.length).toBe(expected.length);
    // The hand-made ticks that count shaped AAA's bar; the late one did not.
    const aaa = got.find((b) => b.symbol === "AAA" && b.interval === "10s" && b.start === iso(T0 + 60_000));
    expect(aaa).toMatchObject({ open: 10, high: 11, low: 9.5, close: 11, volume: 450, trades: 3 });
    expect(aaa!.vwap).toBeCloseTo((10 * 100 + 11 * 300 + 9.5 * 50) / 450, 12);
    const bbb = got.find((b) => b.symbol === "BBB" && b.interval === "1s" && b.start === iso(T0 + 61_000));
    expect(bbb).toMatchObject({ open: 21, close: 22, volume: 0, trades: 2, vwap: 21.5 });

    // Late ticks: exactly the ones the oracle finds, each with the windows it missed.
    const late = await readTopic(kafka, `${topic}.late`);
    const lateIds = late.map(({ message }) => `${message.headers!["late-partition"]}/${message.headers!["late-offset"]}`).sort();
    const expectedLate = (await oracleLate(ticks, 2000)).sort();
    expect(expectedLate.length).toBeGreaterThanOrEqual(2);
    expect(lateIds).toEqual(expectedLate);
    const aaaLate = late.find(({ message }) => message.value!.toString().includes(iso(T0 + 10_000)))!;
    expect(JSON.parse(aaaLate.message.value!.toString())).toMatchObject({ symbol: "AAA", price: 12 });
    expect(String(aaaLate.message.headers!["late-windows"])).toContain(`1m ${iso(T0)}/${iso(T0 + 60_000)}`);
    expect(first.late + second.late).toBe(expectedLate.length);
  });

  it("fires exactly the planted alerts and nothing on a flat series", async () => {
    const topic = await newTopic(1);
    const messages: Message[] = [];
    for (let i = 0; i < 300; i++) messages.push(tickMessage("FLAT", T0 + i * 100, 100));
    // JUMP: a quiet back and forth, then +5 % in one tick.
    for (let i = 0; i < 60; i++) messages.push(tickMessage("JUMP", T0 + 30_000 + i * 100, i % 2 ? 100.01 : 100));
    const jumpTs = T0 + 36_000;
    messages.push(tickMessage("JUMP", jumpTs, 105));
    messages.push(tickMessage("JUMP", jumpTs + 100, 105));
    // VOL: a tick a second at volume 100, then one 10-second bar at 1,000 a tick.
    for (let s = 0; s < 90; s++) messages.push(tickMessage("VOL", T0 + 60_000 + s * 1000, 20, s >= 60 && s < 70 ? 1000 : 100));
    // GAP: a day closing at 50, the next opening at 52 (+4 %).
    for (let i = 0; i < 3; i++) messages.push(tickMessage("GAP", Date.parse("2024-01-02T20:00:00.000Z") + i * 1000, 50));
    const gapTs = Date.parse("2024-01-03T14:30:00.000Z");
    messages.push(tickMessage("GAP", gapTs, 52));
    messages.push(tickMessage("GAP", gapTs + 1000, 52.1));
    await producer.send({ topic, messages });
    const env = {
      STOCKPIPE_ANALYTICS_RULES_VOLUME_SPIKE_INTERVAL: "10s",
      STOCKPIPE_ANALYTICS_RULES_VOLUME_SPIKE_LOOKBACK: "5",
    };
    const summary = await runAnalyze(topic, uniqueName("alerts"), ["--intervals", "10s,1m"], env);
    const alerts = (await records(`${topic}.alerts`)).map((r) => r.value);
    const got = alerts.map((a) => `${a.rule} ${a.symbol} ${a.ts}`).sort();
    expect(got).toEqual(
      [
        `zScore JUMP ${iso(jumpTs)}`,
        `priceMove JUMP ${iso(jumpTs)}`,
        `volumeSpike VOL ${iso(T0 + 60_000 + 69_000)}`,
        `openingGap GAP ${iso(gapTs)}`,
      ].sort(),
    );
    const rule = (name: string) => alerts.find((a) => a.rule === name)!;
    expect(rule("priceMove")).toMatchObject({ value: 5, threshold: 2, severity: "warning" });
    expect(rule("volumeSpike")).toMatchObject({ value: 10, threshold: 5 });
    expect(rule("openingGap")).toMatchObject({ value: 4, threshold: 3 });
    expect(Number(rule("zScore").value)).toBeGreaterThan(100);
    expect(String(rule("openingGap").message)).toContain("above the previous close 50");
    expect(new Set(alerts.map((a) => a.id)).size).toBe(4);
    expect(summary.alertsByRule).toEqual({ zScore: 1, priceMove: 1, volumeSpike: 1, openingGap: 1 });
  });

  it("never lets a tick stamped in the far future move the watermark: produce rejects it, analyze sends it to the DLQ", async () => {
    // As a new user would meet it: one CSV row stamped 9999-12-31, then 600 good ticks of the same symbol.
    const dir = mkdtempSync(join(tmpdir(), "sp-future-"));
    const file = join(dir, "ticks.csv");
    const good = Array.from({ length: 600 }, (_, i) => ({ ts: T0 + i * 500, price: 100 + (i % 7), volume: 10 + (i % 5) }));
    writeFileSync(
      file,
      `symbol,ts,price,volume\nFUT,9999-12-31T23:59:59Z,1,1\n${good.map((t) => `FUT,${iso(t.ts)},${t.price},${t.volume}`).join("\n")}\n`,
    );
    const topic = await newTopic(1);
    const produced = await stockpipe(["produce", "--file", file, "--topic", topic, "-f", "json"]);
    expect(produced.code, produced.stderr).toBe(0);
    expect(produced.stderr).toMatch(/ts 9999-12-31T23:59:59\.000Z is [\d,]+ days ahead of the clock \(market\.maxFutureMs allows 300 s\)/);
    expect(JSON.parse(produced.stdout)).toMatchObject({ sent: 600, rejected: 1, rejectedByReason: { "ts in the future": 1 } });

    // A bad clock past produce (another producer): analyze sets it apart before it can move the watermark.
    const future = { symbol: "FUT", ts: "9999-12-31T23:59:59.000Z", price: 1, volume: 1 };
    const direct = await newTopic(1);
    const messages = good.map((t) => tickMessage("FUT", t.ts, t.price, t.volume));
    messages.splice(1, 0, { key: "FUT", value: JSON.stringify(future), headers: { schema: "tick.v1" } });
    // One more a little ahead (within market.maxFutureMs) is a tick like any other.
    const soon = Date.now() + 60_000;
    messages.push(tickMessage("FUT", soon, 101, 3));
    await producer.send({ topic: direct, messages });
    const summary = await runAnalyze(direct, uniqueName("future"), ["--intervals", "1m", "--lateness", "2s"]);
    expect(summary).toMatchObject({ consumed: 602, ticks: 601, late: 0, dlq: 1, dlqByReason: { "ts in the future": 1 } });
    const dead = await records(`${direct}.dlq`);
    expect(dead.map((d) => d.value)).toEqual([future]);
    expect(dead[0]!.headers["dlq-reason"]).toBe("ts in the future");
    expect(dead[0]!.headers["dlq-detail"]).toMatch(/^ts 9999-12-31T23:59:59\.000Z is [\d,]+ days ahead of the clock/);
    // Every good tick is in its bar, as DuckDB computes them from the good ticks alone.
    const ticks = oracleTicks(await readTopic(kafka, direct)).filter((t) => t.ts !== Date.parse(future.ts));
    const expected = await oracleBars(ticks, { "1m": 60_000 }, 2000);
    expect(expected.reduce((n, b) => n + b.trades, 0)).toBe(600);
    const got = await barsOf(kafka, direct, ["1m"]);
    expect(compareBars(got, expected)).toEqual([]);
    expect(got.length).toBe(expected.length);
  });

  it("sends malformed ticks to the DLQ and refuses a bad interval or rule as a configuration error", async () => {
    const topic = await newTopic(1);
    await producer.send({
      topic,
      messages: [
        tickMessage("OK", T0, 10),
        { key: "X", value: "{not json" },
        { key: "Y", value: JSON.stringify({ symbol: "Y", ts: iso(T0), price: -1 }) },
        tickMessage("OK", T0 + 5000, 11),
      ],
    });
    const summary = await runAnalyze(topic, uniqueName("bad"), ["--intervals", "1s", "--lateness", "0s"]);
    expect(summary).toMatchObject({ consumed: 4, ticks: 2, dlq: 2, dlqByReason: { "not JSON": 1, "price not > 0": 1 } });
    const dead = await readTopic(kafka, `${topic}.dlq`);
    expect(dead.map(({ message }) => message.value!.toString()).sort()).toEqual(
      ["{not json", JSON.stringify({ symbol: "Y", ts: iso(T0), price: -1 })].sort(),
    );

    // An output topic Kafka keeps refusing (records larger than it takes): one clear failure, not an endless loop.
    const small = await newTopic(1);
    const made = await stockpipe(["topic", "create", `${small}.bars.1s`, "-p", "1", "--topic-config", "max.message.bytes=100"]);
    expect(made.code, made.stderr).toBe(0);
    await producer.send({ topic: small, messages: [tickMessage("OK", T0, 10), tickMessage("OK", T0 + 5000, 11)] });
    const refused = await stockpipe(
      ["analyze", "--topic", small, "-g", uniqueName("refused"), "--intervals", "1s", "--lateness", "0s", "--exit-at-end"],
      {
        timeoutMs: 120_000,
      },
    );
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toMatch(/error: Kafka refused to commit the analysis of partition 0: .*(too large|TOO_LARGE)/i);
    expect((await readTopic(kafka, `${small}.bars.1s`)).length).toBe(0);

    const badInterval = await stockpipe(["analyze", "--topic", topic, "--intervals", "1m,7m"]);
    expect(badInterval.code).toBe(3);
    expect(badInterval.stderr).toMatch(/analytics\.intervals.*7m does not divide a day/);
    const badRule = await stockpipe(["analyze", "--topic", topic, "--intervals", "1m"], {
      env: { STOCKPIPE_ANALYTICS_RULES_PRICE_MOVE_PERCENT: "-2" },
    });
    expect(badRule.code).toBe(3);
    expect(badRule.stderr).toMatch(/analytics\.rules\.priceMove\.percent.*env STOCKPIPE_ANALYTICS_RULES_PRICE_MOVE_PERCENT/);
  });

  it("has its bars and alerts stored by consume in Cassandra and the lake, where query finds them", async () => {
    const topic = await newTopic(2);
    const name = topic.replace(/-/g, "_");
    const env = { STOCKPIPE_KAFKA_TOPIC: topic, STOCKPIPE_CASSANDRA_KEYSPACE: name, STOCKPIPE_S3_PREFIX: `test/${topic}` };
    stores.prefix(`test/${topic}`);
    await produceSynthetic(topic, 31, T0, 30_000);
    // A second run of the simulator restarts every price: jumps for the alert rules.
    await produceSynthetic(topic, 32, T0 + 30_000, 100_000);
    await runAnalyze(topic, uniqueName("store"), ["--intervals", "1s,1m"]);
    const bars = await barsOf(kafka, topic, ["1s", "1m"]);
    const alerts = (await records(`${topic}.alerts`)).map((r) => r.value);
    expect(bars.filter((b) => b.interval === "1m").length).toBeGreaterThan(12);
    expect(alerts.length).toBeGreaterThan(0);

    expect((await stockpipe(["schema", "cassandra"], { env })).code).toBe(0);
    for (const sink of ["cassandra", "s3"])
      for (const t of [`${topic}.bars.1s`, `${topic}.bars.1m`, `${topic}.alerts`]) {
        const r = await stockpipe(["consume", "--sink", sink, "--topic", t, "-g", uniqueName("store"), "--exit-at-end", "-f", "json"], {
          env,
        });
        expect(r.code, r.stderr).toBe(0);
        expect(JSON.parse(r.stdout)).toMatchObject({ dlq: 0 });
      }

    const query = async (engine: string, sql: string) => {
      const r = await stockpipe(["query", "--engine", engine, sql, "-f", "json"], { env });
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as Record<string, unknown>[];
    };
    const iso = (v: unknown) => new Date(String(v)).toISOString();
    const asBar = (r: Record<string, unknown>) => ({
      symbol: r.symbol,
      interval: r.interval,
      start: iso(r.start),
      end: iso(r.end),
      open: r.open,
      high: r.high,
      low: r.low,
      close: r.close,
      volume: Number(r.volume),
      vwap: r.vwap,
      trades: Number(r.trades),
      ...(r.session === null || r.session === undefined ? {} : { session: String(r.session) }),
      id: String(r.id),
    });
    const sorted = <T extends { id: string }>(list: T[]) => [...list].sort((a, b) => (a.id < b.id ? -1 : 1));
    const cassandraBars = (await query("cql", "SELECT * FROM bars")).map(asBar);
    const lakeBars = (
      await query("local", 'SELECT symbol, interval, start, "end", open, high, low, close, volume, vwap, trades, session, id FROM bars')
    ).map(asBar);
    expect(sorted(cassandraBars)).toEqual(sorted(bars));
    expect(sorted(lakeBars)).toEqual(sorted(bars));

    const asAlert = (r: Record<string, unknown>) => ({
      symbol: r.symbol,
      ts: iso(r.ts),
      rule: r.rule,
      severity: r.severity,
      value: r.value,
      threshold: r.threshold,
      message: r.message,
      id: String(r.id),
    });
    expect(sorted((await query("cql", "SELECT * FROM alerts")).map(asAlert))).toEqual(sorted(alerts as never));
    expect(sorted((await query("local", "SELECT * FROM alerts")).map(asAlert))).toEqual(sorted(alerts as never));

    // The queries a user writes: a symbol's 1-minute bars of a day, newest first, from both stores.
    const symbol = bars.find((b) => b.interval === "1m")!.symbol;
    const day = "2024-01-02";
    const cql = await query("cql", `SELECT start, close FROM bars WHERE symbol = '${symbol}' AND interval = '1m' AND day = '${day}'`);
    const local = await query(
      "local",
      `SELECT start, close FROM bars WHERE symbol = '${symbol}' AND interval = '1m' AND dt = DATE '${day}' ORDER BY start DESC`,
    );
    const want = bars
      .filter((b) => b.symbol === symbol && b.interval === "1m")
      .sort((a, b) => (a.start < b.start ? 1 : -1))
      .map((b) => [b.start, b.close]);
    expect(cql.map((r) => [iso(r.start), r.close])).toEqual(want);
    expect(local.map((r) => [iso(r.start), r.close])).toEqual(want);

    // verify reconciles a bars topic and the alerts topic with both stores, and sees a bar go missing.
    for (const t of [`${topic}.bars.1m`, `${topic}.alerts`]) {
      const v = await stockpipe(["verify", "--topic", t, "-f", "json"], { env });
      expect(v.code, v.stderr).toBe(0);
      const report = JSON.parse(v.stdout);
      expect(report.mismatchedDays).toEqual([]);
      expect(new Set(report.symbols.map((s: { kind: string }) => s.kind))).toEqual(new Set([t.endsWith("alerts") ? "alert" : "bar"]));
    }
    const gone = bars.find((b) => b.interval === "1m")!;
    const client = new cassandra.Client({ contactPoints: ["127.0.0.1:9042"], localDataCenter: "datacenter1" });
    await client.execute(
      `DELETE FROM ${name}.bars WHERE symbol = ? AND interval = '1m' AND day = ? AND start = ?`,
      [gone.symbol, day, new Date(gone.start)],
      {
        prepare: true,
      },
    );
    await client.shutdown();
    const bad = await stockpipe(["verify", "--topic", `${topic}.bars.1m`, "--sinks", "cassandra", "-f", "json"], { env });
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).mismatchedDays).toEqual([
      {
        kind: "bar",
        sink: "cassandra",
        symbol: `${gone.symbol} 1m`,
        day,
        kafka: expect.any(Number),
        stored: expect.any(Number),
        missing: 1,
        duplicated: 0,
        differing: 0,
        extra: 0,
      },
    ]);
  });
});
