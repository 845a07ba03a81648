/**
 * `stockpipe verify` against the real stores: a topic consumed into Cassandra and the lake, then a difference
 * planted in each way a store can go wrong — verify names exactly those, whether the symbol-days are read again
 * whole or in slices of their ids.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import kafkajs from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stockpipe, uniqueName } from "../helpers";
import { TestStores } from "../stores";

const { Kafka, logLevel } = kafkajs;
const kafka = new Kafka({ brokers: ["127.0.0.1:9092"], logLevel: logLevel.NOTHING });
const stores = new TestStores();
const topic = uniqueName("test-verify");
const keyspace = stores.keyspace(uniqueName("verify").replaceAll("-", "_"));
const prefix = stores.prefix(`test/${uniqueName("verify")}`);
const env = {
  STOCKPIPE_KAFKA_TOPIC: topic,
  STOCKPIPE_CASSANDRA_KEYSPACE: keyspace,
  STOCKPIPE_S3_PREFIX: prefix,
  STOCKPIPE_S3_FILE_FORMAT: "jsonl",
};

/** Per symbol and trading day (New York), the ticks of the topic, read with kafkajs. */
async function topicCounts(): Promise<Map<string, number>> {
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const total = offsets.reduce((n, p) => n + Number(p.high), 0);
  const consumer = kafka.consumer({ groupId: uniqueName("verify-oracle") });
  const counts = new Map<string, number>();
  let seen = 0;
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        const t = JSON.parse(message.value!.toString()) as { symbol: string; ts: string };
        const day = new Date(t.ts).toLocaleDateString("en-CA", { timeZone: "America/New_York" });
        counts.set(`${t.symbol} ${day}`, (counts.get(`${t.symbol} ${day}`) ?? 0) + 1);
        if (++seen === total) resolve();
      },
    });
  });
  await consumer.disconnect();
  return counts;
}

async function lakeKeys(): Promise<string[]> {
  const page = await stores.s3.send(new ListObjectsV2Command({ Bucket: "stockpipe", Prefix: `${prefix}/ticks/` }));
  return (page.Contents ?? []).map((o) => o.Key!).sort();
}

type Row = { symbol: string; day: string; bucket: number; ts: Date; id: string };
let deleted: Row;
let changed: Row;
let doubled: { symbol: string; ts: string };
let late: { symbol: string; ts: string };

beforeAll(async () => {
  expect((await stockpipe(["topic", "create", topic, "-p", "3"])).code).toBe(0);
  const produce = await stockpipe(["produce", "--source", "synthetic", "--symbols", "AAPL,MSFT,TSLA", "--seed", "11", "--limit", "3000"], {
    env,
  });
  expect(produce.code, produce.stderr).toBe(0);
  expect((await stockpipe(["schema", "cassandra"], { env })).code).toBe(0);
  for (const sink of ["cassandra", "s3"]) {
    const c = await stockpipe(["consume", "--sink", sink, "-g", uniqueName("g"), "--exit-at-end"], { env, timeoutMs: 300_000 });
    expect(c.code, c.stderr).toBe(0);
  }
  // The lake: one TSLA row written twice (a copy of it in a file beside its own).
  let key = "";
  let line: string | undefined;
  for (const k of await lakeKeys()) {
    const body = await (await stores.s3.send(new GetObjectCommand({ Bucket: "stockpipe", Key: k }))).Body!.transformToString();
    line = body.split("\n").find((l) => l.includes('"TSLA"'));
    key = k;
    if (line) break;
  }
  if (!line) throw new Error("no TSLA row in the lake");
  doubled = JSON.parse(line);
  await stores.s3.send(new PutObjectCommand({ Bucket: "stockpipe", Key: key.replace(/\.jsonl$/, "-copy.jsonl"), Body: `${line}\n` }));
  // A tick produced after the lake's consumer ended: stored in Cassandra only, missing from the lake (this consumer
  // starts from the beginning: Cassandra's plants come after it).
  const more = await stockpipe(["produce", "--source", "synthetic", "--symbols", "TSLA", "--seed", "12", "--limit", "1"], { env });
  expect(more.code, more.stderr).toBe(0);
  const c = await stockpipe(["consume", "--sink", "cassandra", "-g", uniqueName("g"), "--exit-at-end"], { env });
  expect(c.code, c.stderr).toBe(0);
  late = JSON.parse(
    (await stockpipe(["tail", "--from", "-1", "--symbol", "TSLA", "--no-follow", "-f", "json"], { env })).stdout.trim().split("\n")[0]!,
  );
  // Cassandra: a row deleted (AAPL), a price changed (MSFT).
  const rows = (await stores.cql.execute(`SELECT symbol, day, bucket, ts, id FROM ${keyspace}.ticks`)).rows.map(
    (r): Row => ({ symbol: r.symbol, day: r.day.toString(), bucket: r.bucket, ts: r.ts, id: r.id }),
  );
  deleted = rows.find((r) => r.symbol === "AAPL")!;
  changed = rows.find((r) => r.symbol === "MSFT")!;
  await stores.cql.execute(
    `DELETE FROM ${keyspace}.ticks WHERE symbol = ? AND day = ? AND bucket = ? AND ts = ? AND id = ?`,
    [deleted.symbol, deleted.day, deleted.bucket, deleted.ts, deleted.id],
    { prepare: true },
  );
  await stores.cql.execute(
    `UPDATE ${keyspace}.ticks SET price = 0.5 WHERE symbol = ? AND day = ? AND bucket = ? AND ts = ? AND id = ?`,
    [changed.symbol, changed.day, changed.bucket, changed.ts, changed.id],
    { prepare: true },
  );
}, 600_000);

afterAll(async () => {
  await stockpipe(["topic", "delete", topic, `${topic}.dlq`, "--yes"]);
  await stores.cleanUp();
});

const dayOf = (ts: string | Date) => new Date(ts).toLocaleDateString("en-CA", { timeZone: "America/New_York" });

describe("verify", () => {
  for (const batch of ["500000", "150"]) {
    it(`names exactly the planted differences (symbol-days read again ${batch === "150" ? "in slices of their ids" : "whole"})`, async () => {
      const counts = await topicCounts();
      const v = await stockpipe(["verify", "--batch", batch, "-f", "json"], { env, timeoutMs: 300_000 });
      expect(v.code, v.stderr).toBe(1);
      const report = JSON.parse(v.stdout);
      const at = (symbol: string, day: string) => counts.get(`${symbol} ${day}`)!;
      const mismatch = (sink: string, symbol: string, day: string, stored: number, found: Record<string, number>) => ({
        kind: "tick",
        sink,
        symbol,
        day,
        kafka: at(symbol, day),
        stored,
        missing: 0,
        duplicated: 0,
        differing: 0,
        extra: 0,
        ...found,
      });
      const lateDay = dayOf(late.ts);
      const doubledDay = dayOf(doubled.ts);
      const expected = [
        mismatch("cassandra", "AAPL", deleted.day, at("AAPL", deleted.day) - 1, { missing: 1 }),
        mismatch("cassandra", "MSFT", changed.day, at("MSFT", changed.day), { differing: 1 }),
        ...(lateDay === doubledDay
          ? [mismatch("s3", "TSLA", lateDay, at("TSLA", lateDay), { missing: 1, duplicated: 1 })]
          : [
              mismatch("s3", "TSLA", doubledDay, at("TSLA", doubledDay) + 1, { duplicated: 1 }),
              mismatch("s3", "TSLA", lateDay, at("TSLA", lateDay) - 1, { missing: 1 }),
            ]),
      ];
      const order = (a: { sink: string; symbol: string; day: string }, b: { sink: string; symbol: string; day: string }) =>
        `${a.sink} ${a.symbol} ${a.day}`.localeCompare(`${b.sink} ${b.symbol} ${b.day}`);
      expect(report.mismatchedDays.sort(order)).toEqual(expected.sort(order));
      // Every other symbol-day holds exactly the topic's ticks.
      const total = [...counts.values()].reduce((a, b) => a + b, 0);
      expect(report.run.records).toBe(total);
      for (const sink of ["cassandra", "s3"])
        expect(
          report.symbols.filter((s: { sink: string }) => s.sink === sink).reduce((n: number, s: { kafka: number }) => n + s.kafka, 0),
        ).toBe(total);
      expect(v.stderr).toContain(`verify found ${expected.length} mismatched symbol-days`);
    }, 300_000);
  }

  it("refuses a batch that is not a whole number of records", async () => {
    const v = await stockpipe(["verify", "--batch", "lots"], { env });
    expect(v.code).toBe(2);
    expect(v.stderr).toContain("--batch lots must be a whole number of records, 1 or more");
  });
});
