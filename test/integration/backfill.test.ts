/**
 * `stockpipe backfill` against the real local stack: the same ticks through `analyze` (from Kafka) and through
 * `backfill` (from the lake, after `consume` stored them there) give the same bars and bar alerts, record for
 * record and byte for byte; backfilling twice, and over the range analyze covered, changes no store.
 */
import kafkajs, { type Message } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prng } from "../../src/sources/synthetic";
import { stockpipe, uniqueName } from "../helpers";
import { readTopic } from "../oracle";
import { TestStores } from "../stores";

const { Kafka, logLevel } = kafkajs;
const kafka = new Kafka({ brokers: ["127.0.0.1:9092"], logLevel: logLevel.NOTHING });
const producer = kafka.producer();
const stores = new TestStores();
const { cql } = stores;

beforeAll(() => producer.connect());
afterAll(async () => {
  await producer.disconnect();
  await stores.cleanUp();
});

const FROM = "2024-03-07";
const TO = "2024-03-12";
const SYMBOLS = ["AAPL", "MSFT", "NVDA", "AMZN", "GOOG", "META"];

/**
 * Ticks of six symbols around the clock from Thursday to Monday night (New York), the US switch to summer time
 * among them, a few seconds apart in event-time order; now and then a burst of volume (volumeSpike) and a jump.
 * Then one tick per symbol the day after the range, so analyze's watermarks pass every window in it.
 */
function ticks(): Message[] {
  const rand = prng(9);
  const price = new Map(SYMBOLS.map((s, i) => [s, 50 + i * 40]));
  const out: Message[] = [];
  let seq = 0;
  for (let ts = Date.parse("2024-03-07T05:00:00Z"); ts < Date.parse("2024-03-12T04:00:00Z"); ts += 1000 + Math.floor(rand() * 9000)) {
    const symbol = SYMBOLS[Math.floor(rand() * SYMBOLS.length)]!;
    const p = price.get(symbol)! * (1 + (rand() - 0.5) * (rand() < 0.01 ? 0.05 : 0.002));
    price.set(symbol, p);
    const volume = rand() < 0.004 ? 20_000 : 1 + Math.floor(rand() * 300);
    out.push(tick(symbol, ts, Math.round(p * 100) / 100, volume, ++seq));
  }
  for (const s of SYMBOLS) out.push(tick(s, Date.parse("2024-03-13T15:00:00Z"), 100, 1, ++seq));
  return out;
}

function tick(symbol: string, ts: number, price: number, volume: number, seq: number): Message {
  return {
    key: symbol,
    value: JSON.stringify({ symbol, ts: new Date(ts).toISOString(), price, volume, source: "test", seq }),
    headers: { schema: "tick.v1" },
  };
}

const INTERVALS = ["1m", "5m", "1h", "1d"];
const inRange = (b: { start: string; end: string }) =>
  Date.parse(b.start) >= Date.parse("2024-03-07T05:00:00Z") && Date.parse(b.end) <= Date.parse("2024-03-12T04:00:00Z");

/** Each record's key, partition and exact bytes, by id. */
async function recordsOf(topic: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const { partition, message } of await readTopic(kafka, topic)) {
    const value = message.value!.toString();
    out.set(JSON.parse(value).id, `${partition} ${message.key} ${value}`);
  }
  return out;
}

describe("stockpipe backfill", () => {
  it("makes from the lake the very bars and bar alerts analyze makes from Kafka, and changes nothing when run again", async () => {
    const topic = uniqueName("test-backfill");
    const ks = stores.keyspace(topic.replace(/-/g, "_"));
    stores.prefix(`test/${topic}`);
    const env = {
      STOCKPIPE_CASSANDRA_KEYSPACE: ks,
      STOCKPIPE_S3_PREFIX: `test/${topic}`,
      STOCKPIPE_MARKET_CALENDAR: "XNYS",
      STOCKPIPE_ANALYTICS_INTERVALS: INTERVALS.join(","),
      STOCKPIPE_ANALYTICS_RULES_VOLUME_SPIKE_LOOKBACK: "10",
      STOCKPIPE_ANALYTICS_RULES_VOLUME_SPIKE_FACTOR: "4",
    };
    expect((await stockpipe(["topic", "create", topic, "-p", "3"])).code).toBe(0);
    const sent = ticks();
    for (let i = 0; i < sent.length; i += 5000) await producer.send({ topic, messages: sent.slice(i, i + 5000) });

    // analyze from Kafka; consume the ticks into the lake.
    const a = await stockpipe(["analyze", "--topic", topic, "-g", uniqueName("bf"), "--lateness", "0s", "--exit-at-end", "-f", "json"], {
      env,
      timeoutMs: 300_000,
    });
    expect(a.code, a.stderr).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({ late: 0, dlq: 0 });
    const c = await stockpipe(["consume", "--sink", "s3", "--topic", topic, "-g", uniqueName("bf"), "--exit-at-end", "-f", "json"], {
      env,
      timeoutMs: 300_000,
    });
    expect(c.code, c.stderr).toBe(0);

    // backfill from the lake into another topic's bars and alerts topics.
    const other = uniqueName("test-backfill-lake");
    expect((await stockpipe(["topic", "create", other, "-p", "3"])).code).toBe(0);
    const b = await stockpipe(["backfill", "--topic", other, "--from", FROM, "--to", TO, "-f", "json"], { env, timeoutMs: 300_000 });
    expect(b.code, b.stderr).toBe(0);
    const summary = JSON.parse(b.stdout);
    expect(summary).toMatchObject({ ticks: sent.length - SYMBOLS.length, stoppedBy: "end of range" });

    for (const interval of INTERVALS) {
      const analyzed = await recordsOf(`${topic}.bars.${interval}`);
      const wanted = new Map([...analyzed].filter(([, r]) => inRange(JSON.parse(r.slice(r.indexOf("{"))))));
      const backfilled = await recordsOf(`${other}.bars.${interval}`);
      expect(wanted.size, interval).toBeGreaterThan(interval === "1d" ? 2 : 20);
      // The same ids, each the same partition, key and bytes.
      expect([...backfilled.keys()].sort(), interval).toEqual([...wanted.keys()].sort());
      for (const [id, record] of wanted) expect(backfilled.get(id), `${interval} ${id}`).toBe(record);
    }
    // Sessions: Thursday, Friday and Monday are XNYS sessions; the weekend is not.
    const daily = [...(await recordsOf(`${other}.bars.1d`)).values()].map((r) => JSON.parse(r.slice(r.indexOf("{"))));
    expect([...new Set(daily.map((d) => d.session))].sort()).toEqual(["2024-03-07", "2024-03-08", "2024-03-11"]);

    const spikes = async (t: string) =>
      new Map(
        [...(await recordsOf(t))].filter(
          ([, r]) =>
            r.includes('"rule":"volumeSpike"') && Date.parse(JSON.parse(r.slice(r.indexOf("{"))).ts) >= Date.parse("2024-03-07T05:00:00Z"),
        ),
      );
    const analyzedSpikes = await spikes(`${topic}.alerts`);
    expect(analyzedSpikes.size).toBeGreaterThan(3);
    expect(await spikes(`${other}.alerts`)).toEqual(analyzedSpikes);

    // Store analyze's bars and alerts; then backfill twice into the very same topics, store again: nothing changes.
    expect((await stockpipe(["schema", "cassandra"], { env })).code).toBe(0);
    const store = async () => {
      for (const t of [`${topic}.bars.1m`, `${topic}.bars.1d`, `${topic}.alerts`])
        for (const sink of ["cassandra", "s3"]) {
          const r = await stockpipe(["consume", "--sink", sink, "--topic", t, "-g", `store-${sink}-${t}`, "--exit-at-end", "-f", "json"], {
            env,
            timeoutMs: 300_000,
          });
          expect(r.code, r.stderr).toBe(0);
        }
    };
    const rows = async () =>
      JSON.stringify(
        (await cql.execute(`SELECT * FROM ${ks}.bars`, [], { fetchSize: 100_000 })).rows.map((r) => JSON.stringify(r)).sort(),
      ) +
      JSON.stringify(
        (await cql.execute(`SELECT * FROM ${ks}.alerts`, [], { fetchSize: 100_000 })).rows.map((r) => JSON.stringify(r)).sort(),
      );
    await store();
    const before = await rows();
    for (let run = 0; run < 2; run++) {
      const again = await stockpipe(["backfill", "--topic", topic, "--from", FROM, "--to", TO, "-f", "json"], { env, timeoutMs: 300_000 });
      expect(again.code, again.stderr).toBe(0);
      // What the lake has (the 1m and 1d bars, the alerts) is left out; the 5m and 1h bars were never stored.
      const s = JSON.parse(again.stdout);
      const stored = (await recordsOf(`${topic}.bars.1m`)).size;
      expect(s.inLake).toBeGreaterThanOrEqual(stored);
    }
    await store();
    expect(await rows()).toBe(before);
    for (const t of [`${topic}.bars.1m`, `${topic}.bars.1d`, `${topic}.alerts`]) {
      const v = await stockpipe(["verify", "--topic", t, "-f", "json"], { env, timeoutMs: 300_000 });
      expect(v.code, `${t}: ${v.stdout}${v.stderr}`).toBe(0);
      expect(JSON.parse(v.stdout).mismatchedDays).toEqual([]);
    }
  });
});
