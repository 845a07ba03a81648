/** What each side holds, as (symbol, trading day, id, fingerprint) for reconciliation. */
import type { Kafka } from "kafkajs";
import type { ResolvedConfig } from "../config/schema";
import { classifyMessage } from "../kafka/classify";
import { readMessages } from "../kafka/reader";
import { marketDayAndMinute } from "../model/time";
import { sqlString } from "../util/sql";
import { fingerprint, type Seen } from "./reconcile";

/** Every valid tick in the topic, read from the beginning up to the end offsets at the start. */
export async function readTopic(kafka: Kafka, topic: string, config: ResolvedConfig, since?: string): Promise<Seen[]> {
  const out: Seen[] = [];
  const read = readMessages(kafka, { topic, from: "earliest", follow: false, signal: new AbortController().signal });
  for await (const { messages } of read) {
    for (const m of messages) {
      // The consumer's own rule: what it dead-letters is not expected in the sinks.
      const d = classifyMessage(m, config.consumer.maxMessageBytes);
      if (!d.ok || d.kind !== "tick") continue;
      const t = d.tick;
      const day = marketDayAndMinute(Date.parse(t.ts), config.market.timeZone).day;
      if (since && day < since) continue;
      out.push({ symbol: t.symbol, day, id: t.id!, fingerprint: fingerprint(t.ts, t.price, t.volume) });
    }
  }
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
  // dt prunes whole partitions (a day, month or year: compared with as much of --since); the trading day of
  // each row is its own ts's, whatever the granularity.
  const dt = "CAST(dt AS VARCHAR)";
  const where = since ? `WHERE ${dt} >= substr(${sqlString(since)}, 1, length(${dt}))` : "";
  const { rows } = await runLocal(`SELECT symbol, id, ts, price, volume FROM ticks ${where}`, dir);
  const tz = config.market.timeZone;
  const seen: Seen[] = rows.map((r) => ({
    symbol: String(r.symbol),
    day: marketDayAndMinute(Date.parse(String(r.ts)), tz).day,
    id: String(r.id),
    fingerprint: fingerprint(String(r.ts), Number(r.price), r.volume === null ? null : Number(r.volume)),
  }));
  return since ? seen.filter((s) => s.day >= since) : seen;
}
