/** What each side holds, as (symbol, trading day, id, fingerprint) for reconciliation. */
import type { Kafka } from "kafkajs";
import type { ResolvedConfig } from "../config/schema";
import { classifyMessage } from "../kafka/classify";
import { requireTopic } from "../kafka/topics";
import { marketDayAndMinute } from "../model/time";
import { fingerprint, type Seen } from "./reconcile";

/** Every valid tick in the topic, read from the beginning up to the end offsets at the start. */
export async function readTopic(kafka: Kafka, topic: string, config: ResolvedConfig, since?: string): Promise<Seen[]> {
  const admin = kafka.admin();
  await admin.connect();
  let ends: Awaited<ReturnType<typeof admin.fetchTopicOffsets>>;
  try {
    await requireTopic(admin, topic);
    ends = await admin.fetchTopicOffsets(topic);
  } finally {
    await admin.disconnect();
  }
  const remaining = new Map(ends.filter((p) => Number(p.high) > Number(p.low)).map((p) => [p.partition, Number(p.high)]));
  const out: Seen[] = [];
  if (remaining.size === 0) return out;
  const groupId = `stockpipe-verify-${process.pid}-${Date.now()}`;
  const consumer = kafka.consumer({ groupId, maxBytesPerPartition: 16 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachBatch: async ({ batch }) => {
          const end = remaining.get(batch.partition);
          if (end === undefined) return;
          for (const m of batch.messages) {
            if (Number(m.offset) >= end) break;
            // The consumer's own rule: what it dead-letters is not expected in the sinks.
            const d = classifyMessage(m, config.consumer.maxMessageBytes);
            if (!d.ok) continue;
            const t = d.tick;
            const day = marketDayAndMinute(Date.parse(t.ts), config.market.timeZone).day;
            if (since && day < since) continue;
            out.push({ symbol: t.symbol, day, id: t.id!, fingerprint: fingerprint(t.ts, t.price, t.volume) });
          }
          const last = batch.messages[batch.messages.length - 1];
          if (last && Number(last.offset) + 1 >= end) remaining.delete(batch.partition);
          if (remaining.size === 0) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  const groupAdmin = kafka.admin();
  await groupAdmin.connect();
  // The reading group is throwaway: remove it so it does not linger in `kafka-consumer-groups --list`.
  await groupAdmin.deleteGroups([groupId]).catch(() => {});
  await groupAdmin.disconnect();
  return out;
}

export async function readCassandra(config: ResolvedConfig, since?: string): Promise<Seen[]> {
  const { createCassandraClient } = await import("../sinks/cassandra/client");
  const client = createCassandraClient(config, { keyspace: config.cassandra.keyspace });
  const out: Seen[] = [];
  try {
    await new Promise<void>((resolve, reject) =>
      client.eachRow(
        "SELECT symbol, day, id, ts, price, volume FROM ticks",
        [],
        { fetchSize: 5000, autoPage: true },
        (_n, row) => {
          const day = row.get("day").toString();
          if (since && day < since) return;
          const volume = row.get("volume");
          out.push({
            symbol: row.get("symbol"),
            day,
            id: row.get("id").toString(),
            fingerprint: fingerprint((row.get("ts") as Date).toISOString(), row.get("price"), volume === null ? null : volume.toNumber()),
          });
        },
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  } finally {
    await client.shutdown().catch(() => {});
  }
  return out;
}

export async function readLake(config: ResolvedConfig, since?: string): Promise<Seen[]> {
  const { syncLake } = await import("../query/lakeCache");
  const { runLocal } = await import("../query/local");
  const { dir } = await syncLake(config);
  const where = since ? `WHERE dt >= DATE '${since.replace(/[^0-9-]/g, "")}'` : "";
  const { rows } = await runLocal(`SELECT symbol, CAST(dt AS VARCHAR) AS day, id, ts, price, volume FROM ticks ${where}`, dir);
  return rows.map((r) => ({
    symbol: String(r.symbol),
    day: String(r.day),
    id: String(r.id),
    fingerprint: fingerprint(String(r.ts), Number(r.price), r.volume === null ? null : Number(r.volume)),
  }));
}
