/**
 * The Cassandra sink: ticks, bars and alerts. Prepared statements, bounded concurrency, unlogged batches only
 * within one partition (symbol, day, bucket). Every write is an upsert keyed by the tick's identity, so replays overwrite rather
 * than duplicate. latest_ticks is written with the tick's event time as the write timestamp, so an older tick
 * arriving late never replaces a newer one.
 */
import cassandra from "cassandra-driver";
import type { LoadedConfig } from "../../config/loader";
import type { ResolvedConfig } from "../../config/schema";
import type { Tick } from "../../model/tick";
import { marketDayAndMinute } from "../../model/time";
import { runBounded } from "../../util/bounded";
import { getOrCreate } from "../../util/maps";
import type { Sink, SinkBatch } from "../types";
import { createCassandraClient } from "./client";
import { cassandraError } from "./errors";
import { ALERT_COLUMNS, BAR_COLUMNS, LATEST_COLUMNS, TICK_COLUMNS } from "./schema";

const { types } = cassandra;

const localDates = new Map<string, cassandra.types.LocalDate>();
function localDate(day: string): cassandra.types.LocalDate {
  if (localDates.size > 10_000 && !localDates.has(day)) localDates.clear();
  return getOrCreate(localDates, day, () => types.LocalDate.fromString(day));
}

/**
 * Values in TICK_COLUMNS order (with bucket) or LATEST_COLUMNS order (without). Built directly: hot path.
 *
 * An absent field is `unset` in `ticks`, not null: a null writes a tombstone cell, and a synthetic or quote tick
 * leaves five of the sixteen columns empty, so every page of a read made Cassandra warn "Read 1000 live rows and
 * 5000 tombstone cells" (drain throughput did not change measurably). A tick's row is only ever written with the
 * same fields, so nothing stale can show through. `latest_ticks` keeps nulls: its one row per symbol is
 * overwritten by ticks that may carry different fields, and an unset column would keep an older tick's value.
 */
function row(t: Tick, ms: number, day: string, bucket: number | undefined): unknown[] {
  const none = bucket === undefined ? null : types.unset;
  const head: unknown[] = [t.symbol, localDate(day)];
  if (bucket !== undefined) head.push(bucket);
  return [
    ...head,
    new Date(ms),
    types.Uuid.fromString(t.id!),
    t.price,
    t.open ?? none,
    t.high ?? none,
    t.low ?? none,
    t.close ?? none,
    t.adjClose ?? none,
    t.volume === undefined ? none : types.Long.fromNumber(t.volume),
    t.bid ?? none,
    t.ask ?? none,
    t.currency ?? none,
    t.source ?? none,
    t.seq === undefined ? none : types.Long.fromNumber(t.seq),
  ];
}

export class CassandraSink implements Sink {
  readonly name = "cassandra";
  readonly durability = "write-through";
  private client: cassandra.Client;
  private insertTick: string;
  private insertLatest: string;
  private insertBar: string;
  private insertAlert: string;
  private readonly bucketMinutes: number;
  private readonly config: ResolvedConfig;
  /** Per partition, the offset after the last batch written: a write that resolved is durable. */
  private readonly durable = new Map<number, string>();

  constructor(
    private readonly loaded: LoadedConfig,
    private readonly options: { batchRows?: number } = {},
  ) {
    this.config = loaded.config;
    const config = this.config;
    this.client = createCassandraClient(config, { keyspace: config.cassandra.keyspace });
    const ks = config.cassandra.keyspace;
    this.insertTick = `INSERT INTO ${ks}.ticks (${TICK_COLUMNS.map(([c]) => c).join(", ")}) VALUES (${TICK_COLUMNS.map(() => "?").join(", ")})`;
    this.insertLatest = `INSERT INTO ${ks}.latest_ticks (${LATEST_COLUMNS.map(([c]) => c).join(", ")}) VALUES (${LATEST_COLUMNS.map(() => "?").join(", ")}) USING TIMESTAMP ?`;
    this.bucketMinutes = config.cassandra.bucketMinutes;
    const insert = (table: string, columns: [string, string][]) =>
      `INSERT INTO ${ks}.${table} (${columns.map(([c]) => c).join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`;
    this.insertBar = insert("bars", BAR_COLUMNS);
    this.insertAlert = insert("alerts", ALERT_COLUMNS);
  }

  async open(): Promise<void> {
    await this.client.connect().catch((err) => {
      throw cassandraError(err, this.loaded);
    });
  }

  /** The partition of a tick: trading day in the market's zone, and the bucket of that day. */
  partitionOf(ms: number): { day: string; bucket: number } {
    const { day, minute } = marketDayAndMinute(ms, this.config.market.timeZone);
    return { day, bucket: Math.floor(minute / this.bucketMinutes) };
  }

  async write(batch: SinkBatch): Promise<void> {
    try {
      await this.writeTicks(batch.ticks);
      await this.writeOthers(batch);
    } catch (err) {
      throw cassandraError(err, this.loaded);
    }
    this.durable.set(batch.partition, batch.nextOffset);
  }

  durableOffset(partition: number): string | undefined {
    return this.durable.get(partition);
  }

  /** Nothing is buffered: every write is durable when it resolves. */
  async flush(): Promise<void> {}

  release(partitions: number[]): void {
    for (const p of partitions) this.durable.delete(p);
  }

  private async writeTicks(ticks: Tick[]): Promise<void> {
    if (ticks.length === 0) return;
    const groups = new Map<string, unknown[][]>();
    const latest = new Map<string, Tick>();
    for (const t of ticks) {
      const ms = Date.parse(t.ts);
      const { day, bucket } = this.partitionOf(ms);
      const key = `${t.symbol}|${day}|${bucket}`;
      getOrCreate(groups, key, () => []).push(row(t, ms, day, bucket));
      const l = latest.get(t.symbol);
      if (!l || l.ts < t.ts || (l.ts === t.ts && l.id! < t.id!)) latest.set(t.symbol, t);
    }
    const maxRows = this.options.batchRows ?? 100;
    type Statement = { query: string; params: unknown[] };
    // Each symbol's newest tick also goes to latest_ticks, in the same request as the last rows of its own
    // partition of ticks: one request instead of two for a symbol with few rows — at low rates nearly every
    // symbol — and a batch of two partitions, far under Cassandra's threshold for unlogged batches. Its write
    // timestamp is the event time in microseconds: the newest event wins, whatever the arrival order.
    const latestOf = new Map<string, Statement>();
    for (const t of latest.values()) {
      const ms = Date.parse(t.ts);
      const { day, bucket } = this.partitionOf(ms);
      latestOf.set(`${t.symbol}|${day}|${bucket}`, {
        query: this.insertLatest,
        params: [...row(t, ms, day, undefined), types.Long.fromNumber(ms * 1000)],
      });
    }
    const jobs: (() => Promise<unknown>)[] = [];
    for (const [key, rows] of groups) {
      for (let i = 0; i < rows.length; i += maxRows) {
        const chunk: Statement[] = rows.slice(i, i + maxRows).map((params) => ({ query: this.insertTick, params }));
        const withLatest = i + maxRows >= rows.length ? latestOf.get(key) : undefined;
        if (withLatest) chunk.push(withLatest);
        jobs.push(() =>
          chunk.length === 1
            ? this.client.execute(chunk[0]!.query, chunk[0]!.params, { prepare: true, isIdempotent: true })
            : this.client.batch(chunk, { prepare: true, logged: false, isIdempotent: true }),
        );
      }
    }
    await runBounded(jobs, this.config.consumer.concurrency);
  }

  /** Bars and alerts: one upsert each, keyed by their deterministic identity (few rows: no batching). */
  private async writeOthers(batch: SinkBatch): Promise<void> {
    if (batch.bars.length === 0 && batch.alerts.length === 0) return;
    const tz = this.config.market.timeZone;
    const day = (ms: number) => localDate(marketDayAndMinute(ms, tz).day);
    const jobs: (() => Promise<unknown>)[] = [];
    for (const { record: b } of batch.bars) {
      const start = Date.parse(b.start);
      const params = [
        b.symbol,
        b.interval,
        day(start),
        new Date(start),
        new Date(b.end),
        b.open,
        b.high,
        b.low,
        b.close,
        types.Long.fromNumber(b.volume),
        b.vwap,
        types.Long.fromNumber(b.trades),
        types.Uuid.fromString(b.id),
      ];
      jobs.push(() => this.client.execute(this.insertBar, params, { prepare: true, isIdempotent: true }));
    }
    for (const { record: a } of batch.alerts) {
      const ts = Date.parse(a.ts);
      const params = [day(ts), new Date(ts), types.Uuid.fromString(a.id), a.symbol, a.rule, a.severity, a.value, a.threshold, a.message];
      jobs.push(() => this.client.execute(this.insertAlert, params, { prepare: true, isIdempotent: true }));
    }
    await runBounded(jobs, this.config.consumer.concurrency);
  }

  async close(): Promise<void> {
    await this.client.shutdown().catch(() => {});
  }
}

export { row as rowForTest };
