/**
 * What each side holds, streamed a record at a time as (kind, symbol, trading day, id, fingerprint) to a visitor:
 * nothing is kept here, so the caller decides what memory holds (a digest per symbol-day, or the records of the
 * few symbol-days it looks at again). Each reader can be narrowed to what a second look needs (partitions,
 * Cassandra partitions, symbols).
 */
import type cassandra from "cassandra-driver";
import type { Kafka, KafkaMessage } from "kafkajs";
import type { ResolvedConfig } from "../config/schema";
import { classifyMessage } from "../kafka/classify";
import { readMessages } from "../kafka/reader";
import type { Alert } from "../model/alert";
import type { Bar } from "../model/bar";
import type { KindName } from "../model/kinds";
import { marketDayAndMinute } from "../model/time";
import { sqlString } from "../util/sql";
import type { Digest } from "./digest";
import { fingerprint, type Seen } from "./reconcile";

/**
 * Called once per record. `place` is where it was found, for a second look to read only there: the Kafka
 * partition, or a Cassandra tick's bucket (-1 where there is none). A bar's symbol is `<symbol> <interval>`:
 * each interval is checked on its own.
 */
export type Visit = (kind: KindName, s: Seen, place: number) => void;

/** What must match, per kind (a tick's ts, price and volume; every field of a bar; an alert's time, rule and value). */
export function barFingerprint(b: Pick<Bar, "start" | "open" | "high" | "low" | "close" | "volume" | "vwap" | "trades">): string {
  return `${b.start}|${b.open}|${b.high}|${b.low}|${b.close}|${b.volume}|${b.vwap}|${b.trades}`;
}
export function alertFingerprint(a: Pick<Alert, "ts" | "rule" | "value">): string {
  return `${a.ts}|${a.rule}|${a.value}`;
}

/** Which stored rows to compare: the kinds in the topic, and the intervals of its bars. */
export interface Wanted {
  kinds: Set<KindName>;
  intervals: Set<string>;
}

/** The kinds and bar intervals of a topic, from its digests (ticks when it holds nothing). */
export function wantedOf(digests: Iterable<Digest>): Wanted {
  const wanted: Wanted = { kinds: new Set(), intervals: new Set() };
  for (const d of digests) {
    wanted.kinds.add(d.kind);
    if (d.kind === "bar") wanted.intervals.add(d.symbol.split(" ")[1]!);
  }
  if (wanted.kinds.size === 0) wanted.kinds.add("tick");
  return wanted;
}

/**
 * The trading day of an ISO time in `timeZone`, worked out once per 15 minutes of time (records come in time
 * order per partition): every zone's offset is a multiple of 15 minutes, so a 15-minute slot never spans midnight.
 */
export function tradingDays(timeZone: string): (iso: string) => string {
  let slot = Number.NaN;
  let day = "";
  return (iso) => {
    const ms = Date.parse(iso);
    const s = Math.floor(ms / 900_000);
    if (s !== slot) {
      slot = s;
      day = marketDayAndMinute(ms, timeZone).day;
    }
    return day;
  };
}

/** Every valid record in the topic (or in `partitions` of it), from the beginning up to the end offsets at the start. */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  config: ResolvedConfig,
  visit: Visit,
  o: { since?: string; partitions?: readonly number[]; signal?: AbortSignal } = {},
): Promise<void> {
  const tz = config.market.timeZone;
  const dayOf = tradingDays(tz);
  const since = o.since;
  const read = readMessages(kafka, {
    topic,
    from: "earliest",
    follow: false,
    signal: o.signal ?? new AbortController().signal,
    partitions: o.partitions,
    // 1 MB a fetch: the same speed here as kafkajs' 10 MB, and ~100 MB less held at once (measured on 1M ticks).
    fetchBytes: 2 ** 20,
  });
  for await (const { partition, messages } of read) {
    for (const m of messages) {
      const r = seenOf(m, config, dayOf);
      if (r && (!since || r.s.day >= since)) visit(r.kind, r.s, partition);
    }
  }
}

/** A message as verify sees it, or undefined when the consumers would dead-letter it (so it is not expected stored). */
function seenOf(m: KafkaMessage, config: ResolvedConfig, dayOf: (iso: string) => string): { kind: KindName; s: Seen } | undefined {
  const d = classifyMessage(m, config.consumer.maxMessageBytes);
  if (!d.ok) return undefined;
  if (d.kind === "tick") {
    const t = d.tick;
    return { kind: "tick", s: { symbol: t.symbol, day: dayOf(t.ts), id: t.id!, fingerprint: fingerprint(t.ts, t.price, t.volume) } };
  }
  if (d.kind === "bar") {
    const b = d.bar;
    return { kind: "bar", s: { symbol: `${b.symbol} ${b.interval}`, day: dayOf(b.start), id: b.id, fingerprint: barFingerprint(b) } };
  }
  const a = d.alert;
  return { kind: "alert", s: { symbol: a.symbol, day: dayOf(a.ts), id: a.id, fingerprint: alertFingerprint(a) } };
}

/**
 * The kinds (and bar intervals) of the last records of each partition: what the topic most likely holds throughout.
 * The last ten, not the last one: a transactional topic (analyze's bars and alerts) ends each transaction with a
 * marker that is no record. Empty when none of them is a record the stores keep.
 */
export async function sampleTopic(kafka: Kafka, topic: string, config: ResolvedConfig): Promise<Wanted> {
  const wanted: Wanted = { kinds: new Set(), intervals: new Set() };
  const read = readMessages(kafka, { topic, from: { last: 10 }, follow: false, signal: new AbortController().signal });
  for await (const { messages } of read)
    for (const m of messages) {
      const r = seenOf(m, config, () => "");
      if (!r) continue;
      wanted.kinds.add(r.kind);
      if (r.kind === "bar") wanted.intervals.add(r.s.symbol.split(" ")[1]!);
    }
  return wanted;
}

/** Streams the rows of a CQL statement (paged by the driver) to `fn`. */
function eachRow(client: cassandra.Client, cql: string, params: unknown[], fn: (row: cassandra.types.Row) => void): Promise<void> {
  return new Promise<void>((resolve, reject) =>
    client.eachRow(
      cql,
      params,
      { fetchSize: 5000, autoPage: true, prepare: params.length > 0 },
      (_n, row) => fn(row),
      (err) => (err ? reject(err) : resolve()),
    ),
  );
}

/**
 * The rows Cassandra holds of the wanted kinds — all of them, or with `targets` only the partitions of those
 * symbol-days (a tick digest's places are its buckets).
 */
export async function readCassandra(
  config: ResolvedConfig,
  wanted: Wanted,
  visit: Visit,
  o: { since?: string; targets?: Digest[] } = {},
): Promise<void> {
  const { createCassandraClient } = await import("../sinks/cassandra/client");
  const { ALERT_SELECT, barSelect, alertFromRow, barFromRow, volumeOfRow } = await import("../sinks/cassandra/rows");
  const { presentAddedColumns } = await import("../sinks/cassandra/columns");
  const client = createCassandraClient(config, { keyspace: config.cassandra.keyspace });
  const since = o.since;
  const targets = (kind: KindName) => o.targets?.filter((d) => d.kind === kind);
  try {
    const present = await presentAddedColumns(client, config.cassandra.keyspace);
    if (wanted.kinds.has("tick")) {
      const cols = `symbol, day, bucket, id, ts, price, volume${present.has("ticks.volume_dec") ? ", volume_dec" : ""}`;
      const onRow = (row: cassandra.types.Row) => {
        const day = row.get("day").toString();
        if (since && day < since) return;
        // Only what the fingerprint needs (not a whole tick).
        const ts = (row.get("ts") as Date).toISOString();
        const s = {
          symbol: row.get("symbol"),
          day,
          id: String(row.get("id")),
          fingerprint: fingerprint(ts, row.get("price"), volumeOfRow(row) ?? null),
        };
        visit("tick", s, row.get("bucket"));
      };
      const only = targets("tick");
      if (!only) await eachRow(client, `SELECT ${cols} FROM ticks`, [], onRow);
      else
        for (const d of only)
          for (const bucket of d.places)
            await eachRow(
              client,
              `SELECT ${cols} FROM ticks WHERE symbol = ? AND day = ? AND bucket = ?`,
              [d.symbol, d.day, bucket],
              onRow,
            );
    }
    if (wanted.kinds.has("bar")) {
      const onRow = (row: cassandra.types.Row) => {
        const day = row.get("day").toString();
        if (!wanted.intervals.has(row.get("interval")) || (since && day < since)) return;
        const bar = barFromRow(row);
        visit("bar", { symbol: `${bar.symbol} ${bar.interval}`, day, id: bar.id, fingerprint: barFingerprint(bar) }, -1);
      };
      const only = targets("bar");
      if (!only) await eachRow(client, `SELECT ${barSelect(present)} FROM bars`, [], onRow);
      else
        for (const d of only) {
          const [symbol, interval] = d.symbol.split(" ");
          await eachRow(
            client,
            `SELECT ${barSelect(present)} FROM bars WHERE symbol = ? AND interval = ? AND day = ?`,
            [symbol, interval, d.day],
            onRow,
          );
        }
    }
    if (wanted.kinds.has("alert")) {
      const onRow = (row: cassandra.types.Row) => {
        const day = row.get("day").toString();
        if (since && day < since) return;
        const a = alertFromRow(row);
        visit("alert", { symbol: a.symbol, day, id: a.id, fingerprint: alertFingerprint(a) }, -1);
      };
      const only = targets("alert");
      if (!only) await eachRow(client, `SELECT ${ALERT_SELECT} FROM alerts`, [], onRow);
      else
        for (const day of new Set(only.map((d) => d.day)))
          await eachRow(client, `SELECT ${ALERT_SELECT} FROM alerts WHERE day = ?`, [day], onRow);
    }
  } finally {
    await client.shutdown().catch(() => {});
  }
}

/**
 * The rows the lake holds of the wanted kinds, streamed from DuckDB over the local cache of the lake — all of
 * them, or with `symbols` only those symbols' (per kind; a bar's as `<symbol> <interval>`).
 */
export async function readLake(
  config: ResolvedConfig,
  wanted: Wanted,
  visit: Visit,
  o: { since?: string; symbols?: Map<KindName, Set<string>> } = {},
): Promise<void> {
  const { syncLake } = await import("../query/lakeCache");
  const { streamLocal } = await import("../query/local");
  const { alertFromLake, barFromLake, tickFromLake } = await import("../sinks/s3/records");
  const { dir } = await syncLake(config);
  const since = o.since;
  // dt prunes whole partitions (a day, month or year: compared with as much of --since); the trading day of
  // each row is its own ts's, whatever the granularity.
  const dt = "CAST(dt AS VARCHAR)";
  const where = (kind: KindName): string => {
    const conditions = since ? [`${dt} >= substr(${sqlString(since)}, 1, length(${dt}))`] : [];
    const only = o.symbols?.get(kind);
    if (only) {
      const names = [...new Set([...only].map((s) => s.split(" ")[0]!))];
      conditions.push(`symbol IN (${names.map(sqlString).join(", ") || "NULL"})`);
    }
    return conditions.length ? `WHERE ${conditions.join(" AND ")}` : "";
  };
  const dayOf = tradingDays(config.market.timeZone);
  const emit = (kind: KindName, s: Seen) => (!since || s.day >= since) && visit(kind, s, -1);
  if (wanted.kinds.has("tick"))
    for await (const rows of streamLocal(`SELECT symbol, id, ts, price, volume, volume_dec FROM ticks ${where("tick")}`, dir))
      for (const row of rows) {
        const t = tickFromLake(row);
        emit("tick", { symbol: t.symbol, day: dayOf(t.ts), id: t.id!, fingerprint: fingerprint(t.ts, t.price, t.volume ?? null) });
      }
  if (wanted.kinds.has("bar"))
    for await (const rows of streamLocal(`SELECT * FROM bars ${where("bar")}`, dir))
      for (const row of rows) {
        const b = barFromLake(row);
        if (!wanted.intervals.has(b.interval)) continue;
        emit("bar", { symbol: `${b.symbol} ${b.interval}`, day: dayOf(b.start), id: b.id, fingerprint: barFingerprint(b) });
      }
  if (wanted.kinds.has("alert"))
    for await (const rows of streamLocal(`SELECT * FROM alerts ${where("alert")}`, dir))
      for (const row of rows) {
        const a = alertFromLake(row);
        emit("alert", { symbol: a.symbol, day: dayOf(a.ts), id: a.id, fingerprint: alertFingerprint(a) });
      }
}
