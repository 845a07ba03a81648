/** What each side holds, per record kind, as (symbol, trading day, id, fingerprint) for reconciliation. */
import type cassandra from "cassandra-driver";
import type { Kafka } from "kafkajs";
import type { ResolvedConfig } from "../config/schema";
import { classifyMessage } from "../kafka/classify";
import { readMessages } from "../kafka/reader";
import type { Alert } from "../model/alert";
import type { Bar } from "../model/bar";
import type { KindName } from "../model/kinds";
import type { Tick } from "../model/tick";
import { marketDayAndMinute } from "../model/time";
import { sqlString } from "../util/sql";
import { fingerprint, type Seen } from "./reconcile";

/** What a topic or a store holds, per record kind. A bar's "symbol" is `<symbol> <interval>`: each interval is checked on its own. */
export type ByKind = Record<KindName, Seen[]>;

const byKind = (): ByKind => ({ tick: [], bar: [], alert: [] });

/** What must match, per kind (a tick's ts, price and volume; every field of a bar; an alert's time, rule and value). */
export function barFingerprint(b: Pick<Bar, "start" | "open" | "high" | "low" | "close" | "volume" | "vwap" | "trades">): string {
  return `${b.start}|${b.open}|${b.high}|${b.low}|${b.close}|${b.volume}|${b.vwap}|${b.trades}`;
}
export function alertFingerprint(a: Pick<Alert, "ts" | "rule" | "value">): string {
  return `${a.ts}|${a.rule}|${a.value}`;
}

/**
 * Heap a record of the topic takes while it is reconciled: its (symbol, day, id, fingerprint) from Kafka and the
 * same from one sink, with the maps that match them — about 1 KB measured, rounded up.
 */
export const BYTES_PER_RECORD = 1200;

/**
 * Whether reconciling `records` fits in `heapLimit` bytes (with what the process holds besides); a message to show
 * when it does not. With `since` the records kept are unknown in advance: it is left to the run.
 */
export function fitsInMemory(records: number, heapLimit: number, since?: string): string | undefined {
  if (since) return undefined;
  const needed = records * BYTES_PER_RECORD;
  if (needed <= heapLimit * 0.85) return undefined;
  const mb = (b: number) => `${Math.round(b / 2 ** 20).toLocaleString("en-US")} MB`;
  return `verify keeps each record in memory while it compares (about ${BYTES_PER_RECORD.toLocaleString("en-US")} bytes with the sink's row): the topic's ${records.toLocaleString("en-US")} records need about ${mb(needed)}, more than this process may use (${mb(heapLimit)})`;
}

/** Every valid record in the topic, read from the beginning up to the end offsets at the start. */
export async function readTopic(kafka: Kafka, topic: string, config: ResolvedConfig, since?: string): Promise<ByKind> {
  const out = byKind();
  const tz = config.market.timeZone;
  const dayOf = (iso: string) => marketDayAndMinute(Date.parse(iso), tz).day;
  // Days before `since` are never kept: memory holds only what is compared.
  const keep = (kind: KindName, s: Seen) => (!since || s.day >= since) && out[kind].push(s);
  const read = readMessages(kafka, { topic, from: "earliest", follow: false, signal: new AbortController().signal });
  for await (const { messages } of read) {
    for (const m of messages) {
      // The consumer's own rule: what it dead-letters is not expected in the sinks.
      const d = classifyMessage(m, config.consumer.maxMessageBytes);
      if (!d.ok) continue;
      if (d.kind === "tick") {
        const t = d.tick;
        keep("tick", { symbol: t.symbol, day: dayOf(t.ts), id: t.id!, fingerprint: fingerprint(t.ts, t.price, t.volume) });
      } else if (d.kind === "bar") {
        const b = d.bar;
        keep("bar", { symbol: `${b.symbol} ${b.interval}`, day: dayOf(b.start), id: b.id, fingerprint: barFingerprint(b) });
      } else {
        const a = d.alert;
        keep("alert", { symbol: a.symbol, day: dayOf(a.ts), id: a.id, fingerprint: alertFingerprint(a) });
      }
    }
  }
  return out;
}

/** Which stored rows to compare: the kinds in the topic, and the intervals of its bars. */
export interface Wanted {
  kinds: Set<KindName>;
  intervals: Set<string>;
}

export function wantedOf(topic: ByKind): Wanted {
  const kinds = new Set((Object.keys(topic) as KindName[]).filter((k) => topic[k].length > 0));
  if (kinds.size === 0) kinds.add("tick");
  return { kinds, intervals: new Set(topic.bar.map((b) => b.symbol.split(" ")[1]!)) };
}

export async function readCassandra(config: ResolvedConfig, wanted: Wanted, since?: string): Promise<ByKind> {
  const { createCassandraClient } = await import("../sinks/cassandra/client");
  const { ALERT_SELECT, barSelect, alertFromRow, barFromRow, tickFromRow } = await import("../sinks/cassandra/rows");
  const { presentAddedColumns } = await import("../sinks/cassandra/columns");
  const client = createCassandraClient(config, { keyspace: config.cassandra.keyspace });
  const out = byKind();
  const each = (cql: string, fn: (row: cassandra.types.Row) => void) =>
    new Promise<void>((resolve, reject) =>
      client.eachRow(
        cql,
        [],
        { fetchSize: 5000, autoPage: true },
        (_n, row) => fn(row),
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  try {
    const present = await presentAddedColumns(client, config.cassandra.keyspace);
    if (wanted.kinds.has("tick")) out.tick = await cassandraTicks(client, tickFromRow, present.has("ticks.volume_dec"), since);
    if (wanted.kinds.has("bar"))
      await each(`SELECT ${barSelect(present)} FROM bars`, (row) => {
        const day = row.get("day").toString();
        if (!wanted.intervals.has(row.get("interval")) || (since && day < since)) return;
        const bar = barFromRow(row);
        out.bar.push({ symbol: `${bar.symbol} ${bar.interval}`, day, id: bar.id, fingerprint: barFingerprint(bar) });
      });
    if (wanted.kinds.has("alert"))
      await each(`SELECT ${ALERT_SELECT} FROM alerts`, (row) => {
        const day = row.get("day").toString();
        if (since && day < since) return;
        const a = alertFromRow(row);
        out.alert.push({ symbol: a.symbol, day, id: a.id, fingerprint: alertFingerprint(a) });
      });
  } finally {
    await client.shutdown().catch(() => {});
  }
  return out;
}

async function cassandraTicks(
  client: cassandra.Client,
  tickFromRow: (r: cassandra.types.Row) => Tick,
  fractional: boolean,
  since?: string,
): Promise<Seen[]> {
  const out: Seen[] = [];
  await new Promise<void>((resolve, reject) =>
    client.eachRow(
      `SELECT symbol, day, id, ts, price, volume${fractional ? ", volume_dec" : ""} FROM ticks`,
      [],
      { fetchSize: 5000, autoPage: true },
      (_n, row) => {
        const day = row.get("day").toString();
        if (since && day < since) return;
        const t = tickFromRow(row);
        out.push({ symbol: t.symbol, day, id: t.id!, fingerprint: fingerprint(t.ts, t.price, t.volume ?? null) });
      },
      (err) => (err ? reject(err) : resolve()),
    ),
  );
  return out;
}

export async function readLake(config: ResolvedConfig, wanted: Wanted, since?: string): Promise<ByKind> {
  const { syncLake } = await import("../query/lakeCache");
  const { runLocal } = await import("../query/local");
  const { alertFromLake, barFromLake, tickFromLake } = await import("../sinks/s3/records");
  const { dir } = await syncLake(config);
  // dt prunes whole partitions (a day, month or year: compared with as much of --since); the trading day of
  // each row is its own ts's, whatever the granularity.
  const dt = "CAST(dt AS VARCHAR)";
  const where = since ? `WHERE ${dt} >= substr(${sqlString(since)}, 1, length(${dt}))` : "";
  const tz = config.market.timeZone;
  const dayOf = (iso: string) => marketDayAndMinute(Date.parse(iso), tz).day;
  const out = byKind();
  if (wanted.kinds.has("tick")) {
    const { rows } = await runLocal(`SELECT symbol, id, ts, price, volume, volume_dec FROM ticks ${where}`, dir);
    out.tick = rows.map(tickFromLake).map((t) => ({
      symbol: t.symbol,
      day: dayOf(t.ts),
      id: t.id!,
      fingerprint: fingerprint(t.ts, t.price, t.volume ?? null),
    }));
  }
  if (wanted.kinds.has("bar")) {
    const { rows } = await runLocal(`SELECT * FROM bars ${where}`, dir);
    out.bar = rows
      .map(barFromLake)
      .filter((b) => wanted.intervals.has(b.interval))
      .map((b) => ({ symbol: `${b.symbol} ${b.interval}`, day: dayOf(b.start), id: b.id, fingerprint: barFingerprint(b) }));
  }
  if (wanted.kinds.has("alert")) {
    const { rows } = await runLocal(`SELECT * FROM alerts ${where}`, dir);
    out.alert = rows.map(alertFromLake).map((a) => ({ symbol: a.symbol, day: dayOf(a.ts), id: a.id, fingerprint: alertFingerprint(a) }));
  }
  if (since) for (const k of Object.keys(out) as KindName[]) out[k] = out[k].filter((s) => s.day >= since);
  return out;
}
