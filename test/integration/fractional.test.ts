/**
 * Fractional volumes (crypto sizes) end to end on the real stack: into Kafka, through analyze (bars checked
 * against the DuckDB oracle, which sums decimals), into Cassandra and the lake exactly, verify clean; and a
 * Cassandra table made before the volume_dec column: whole volumes still go in, a fractional one stops with the
 * fix, and `schema cassandra` adds the column keeping every row.
 */
import kafkajs from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/loader";
import { presentColumns, TABLES, tableCql } from "../../src/sinks/cassandra/schema";
import { prng } from "../../src/sources/synthetic";
import { stockpipe, uniqueName } from "../helpers";
import { barsOf, compareBars, oracleBars, oracleTicks, readTopic } from "../oracle";
import { TestStores } from "../stores";

const { Kafka, logLevel } = kafkajs;
const kafka = new Kafka({ brokers: ["127.0.0.1:9092"], logLevel: logLevel.NOTHING });
const producer = kafka.producer();
const stores = new TestStores();
const { cql } = stores;

beforeAll(async () => {
  await producer.connect();
});
afterAll(async () => {
  await producer.disconnect();
  await stores.cleanUp();
});

const T0 = Date.parse("2024-01-02T14:30:00.000Z");

/** Crypto trades: sizes with 1 to 8 decimal places, as their decimal text, and every tenth a whole size. */
function trades(n: number): { symbol: string; ts: string; price: number; volume: number; source: string; seq: number }[] {
  const rand = prng(5);
  let t = T0;
  return Array.from({ length: n }, (_, i) => {
    t += Math.floor(rand() * 900);
    const symbol = i % 2 ? "ETH-USD" : "BTC-USD";
    const volume = i % 10 === 0 ? 1 + Math.floor(rand() * 5) : Number((rand() * 2).toFixed(1 + Math.floor(rand() * 8)));
    const price = Math.round((symbol === "BTC-USD" ? 42_000 : 2_300) * (1 + (rand() - 0.5) / 100) * 100) / 100;
    return { symbol, ts: new Date(t).toISOString(), price, volume, source: "coinbase", seq: i + 1 };
  });
}

async function newTopic(): Promise<string> {
  const name = uniqueName("test-fractional");
  const r = await stockpipe(["topic", "create", name, "-p", "2"]);
  expect(r.code, r.stderr).toBe(0);
  return name;
}

describe("fractional volumes", () => {
  it("go through analyze, Cassandra and the lake exactly, and verify finds every store in agreement", async () => {
    const topic = await newTopic();
    const name = topic.replace(/-/g, "_");
    stores.keyspace(name);
    stores.prefix(`test/${topic}`);
    const env = { STOCKPIPE_KAFKA_TOPIC: topic, STOCKPIPE_CASSANDRA_KEYSPACE: name, STOCKPIPE_S3_PREFIX: `test/${topic}` };
    const sent = trades(600);
    await producer.send({ topic, messages: sent.map((t) => ({ key: t.symbol, value: JSON.stringify(t) })) });

    const a = await stockpipe(
      ["analyze", "--topic", topic, "-g", uniqueName("frac"), "--intervals", "1m", "--lateness", "0s", "--exit-at-end", "-f", "json"],
      {
        env,
      },
    );
    expect(a.code, a.stderr).toBe(0);
    const bars = await barsOf(kafka, topic, ["1m"]);
    expect(bars.length).toBeGreaterThanOrEqual(4);
    expect(bars.some((b) => !Number.isInteger(b.volume))).toBe(true);
    expect(compareBars(bars, await oracleBars(oracleTicks(await readTopic(kafka, topic)), { "1m": 60_000 }, 0))).toEqual([]);

    expect((await stockpipe(["schema", "cassandra"], { env })).code).toBe(0);
    for (const sink of ["cassandra", "s3"])
      for (const t of [topic, `${topic}.bars.1m`]) {
        const r = await stockpipe(["consume", "--sink", sink, "--topic", t, "-g", uniqueName("frac"), "--exit-at-end", "-f", "json"], {
          env,
        });
        expect(r.code, r.stderr).toBe(0);
        expect(JSON.parse(r.stdout)).toMatchObject({ dlq: 0 });
      }

    // What went in is what is stored: each trade's size, exactly, from both stores.
    const bySeq = new Map(sent.map((t) => [t.seq, t.volume]));
    const stored = (await cql.execute(`SELECT seq, volume, volume_dec FROM ${name}.ticks`, [], { fetchSize: 5000 })).rows;
    expect(stored).toHaveLength(sent.length);
    for (const r of stored) {
      const want = bySeq.get(r.get("seq").toNumber())!;
      const dec = r.get("volume_dec");
      if (Number.isInteger(want)) expect([r.get("volume")?.toNumber(), dec]).toEqual([want, null]);
      else expect([r.get("volume"), dec?.toString()]).toEqual([null, String(want)]);
    }
    const lake = await stockpipe(["query", "--engine", "local", "SELECT seq, volume, volume_dec FROM ticks", "-f", "json"], { env });
    expect(lake.code, lake.stderr).toBe(0);
    const rows = JSON.parse(lake.stdout) as { seq: number; volume: number | null; volume_dec: string | null }[];
    expect(rows).toHaveLength(sent.length);
    for (const r of rows) expect(Number(r.volume_dec ?? r.volume), String(r.seq)).toBe(bySeq.get(r.seq));

    for (const t of [topic, `${topic}.bars.1m`]) {
      const v = await stockpipe(["verify", "--topic", t, "-f", "json"], { env });
      expect(v.code, v.stdout + v.stderr).toBe(0);
      expect(JSON.parse(v.stdout).mismatchedDays).toEqual([]);
    }
  });

  it("keep a Cassandra table made before volume_dec working, and schema cassandra adds the column without losing a row", async () => {
    const topic = await newTopic();
    const ks = topic.replace(/-/g, "_");
    stores.keyspace(ks);
    const env = { STOCKPIPE_KAFKA_TOPIC: topic, STOCKPIPE_CASSANDRA_KEYSPACE: ks };
    // The tables as they were made before: without volume_dec.
    const { config } = loadConfig({ env });
    await cql.execute(`CREATE KEYSPACE ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
    for (const t of TABLES) await cql.execute(tableCql(config, { ...t, columns: presentColumns(t.columns, t.name, new Set()) }));

    const whole = trades(40).map((t, i) => ({ ...t, volume: i + 1 }));
    await producer.send({ topic, messages: whole.map((t) => ({ key: t.symbol, value: JSON.stringify(t) })) });
    const group = uniqueName("old-table");
    const consume = () =>
      stockpipe(["consume", "--sink", "cassandra", "--topic", topic, "-g", group, "--exit-at-end", "-f", "json"], { env });
    const first = await consume();
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ written: 40 });

    await producer.send({ topic, messages: [{ key: "BTC-USD", value: JSON.stringify({ ...whole[0], seq: 999, volume: 0.5 }) }] });
    const refused = await consume();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${ks}.ticks has no volume_dec column for the fractional volume 0.5 of BTC-USD`);
    expect(refused.stderr).toContain("stockpipe schema cassandra");

    const migrated = await stockpipe(["schema", "cassandra"], { env });
    expect(migrated.code, migrated.stderr).toBe(0);
    const added = /added columns ([^)]+)\)/.exec(migrated.stderr + migrated.stdout)?.[1]?.split(", ");
    expect(added?.sort()).toEqual(
      ["ticks", "latest_ticks"]
        .flatMap((t) => ["volume_dec", "bid_size", "ask_size"].map((c) => `${t}.${c}`))
        .concat(["bars.volume_dec", "bars.session"])
        .sort(),
    );
    // A quote with its sizes, which the old tables could not have taken either.
    const quote = { ...whole[1], seq: 1000, bid: 99.5, ask: 100.5, bidSize: 2, askSize: 0.25 };
    await producer.send({ topic, messages: [{ key: quote.symbol, value: JSON.stringify(quote) }] });
    const again = await consume();
    expect(again.code, again.stderr).toBe(0);
    const rows = (await cql.execute(`SELECT seq, volume, volume_dec, bid_size, ask_size FROM ${ks}.ticks`, [], { fetchSize: 5000 })).rows;
    expect(
      rows
        .map((r) => [
          r.get("seq").toNumber(),
          r.get("volume")?.toNumber() ?? null,
          r.get("volume_dec")?.toString() ?? null,
          r.get("bid_size"),
          r.get("ask_size"),
        ])
        .sort((x, y) => x[0] - y[0]),
    ).toEqual([
      ...whole.map((t) => [t.seq, t.volume, null, null, null]),
      [999, null, "0.5", null, null],
      [1000, quote.volume, null, 2, 0.25],
    ]);
  });
});
