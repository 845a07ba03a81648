/**
 * The Cassandra sink: ticks, bars and alerts. Prepared statements, bounded concurrency, unlogged batches only
 * within one partition (symbol, day, bucket). Every write is an upsert keyed by the tick's identity, so replays overwrite rather
 * than duplicate. latest_ticks is written with the tick's event time as the write timestamp, so an older tick
 * arriving late never replaces a newer one.
 */
import cassandra from "cassandra-driver";
import type { LoadedConfig } from "../../config/loader";
import type { ResolvedConfig } from "../../config/schema";
import { RuntimeError } from "../../errors";
import type { Tick } from "../../model/tick";
import { marketDayAndMinute } from "../../model/time";
import { runBounded } from "../../util/bounded";
import { getOrCreate } from "../../util/maps";
import type { Sink, SinkBatch } from "../types";
import { createCassandraClient } from "./client";
import { presentAddedColumns } from "./columns";
import { cassandraError } from "./errors";
import { batchRows } from "./keyspaces";
import { alertRow, barRow, tickRow } from "./rows";
import { ALERT_COLUMNS, BAR_COLUMNS, LATEST_COLUMNS, presentColumns, TICK_COLUMNS } from "./schema";

const { types } = cassandra;

export class CassandraSink implements Sink {
  readonly name = "cassandra";
  readonly durability = "write-through";
  private client: cassandra.Client;
  private insertTick = "";
  private insertLatest = "";
  private insertBar = "";
  private readonly insertAlert: string;
  /**
   * The added columns the live tables have (`bars.session`, …): a table without volume_dec takes whole volumes
   * only, bars without session only bars made before calendars.
   */
  private present: ReadonlySet<string> = new Set();
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
    this.bucketMinutes = config.cassandra.bucketMinutes;
    this.insertAlert = this.insert("alerts", ALERT_COLUMNS);
  }

  private insert(table: string, columns: [string, string][], suffix = ""): string {
    const present = presentColumns(columns, table, this.present);
    const ks = this.config.cassandra.keyspace;
    return `INSERT INTO ${ks}.${table} (${present.map(([c]) => c).join(", ")}) VALUES (${present.map(() => "?").join(", ")})${suffix}`;
  }

  async open(): Promise<void> {
    try {
      await this.client.connect();
      this.present = await presentAddedColumns(this.client, this.config.cassandra.keyspace);
    } catch (err) {
      throw cassandraError(err, this.loaded);
    }
    this.insertTick = this.insert("ticks", TICK_COLUMNS);
    this.insertLatest = this.insert("latest_ticks", LATEST_COLUMNS, " USING TIMESTAMP ?");
    this.insertBar = this.insert("bars", BAR_COLUMNS);
  }

  /** A record that needs a column the table lacks: stop, and say how to add it (nothing is committed). */
  private unsupported(table: string, column: string, what: string): never {
    throw new RuntimeError(`${this.config.cassandra.keyspace}.${table} has no ${column} column for ${what}`, {
      hint: "run `stockpipe schema cassandra` to add the column (existing rows stay as they are), then start again",
      retriable: false,
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
    const both = (column: string) => this.present.has(`ticks.${column}`) && this.present.has(`latest_ticks.${column}`);
    const added = { fractional: both("volume_dec"), sizes: both("bid_size") && both("ask_size") };
    for (const t of ticks) {
      const ms = Date.parse(t.ts);
      const { day, bucket } = this.partitionOf(ms);
      const key = `${t.symbol}|${day}|${bucket}`;
      if (!added.fractional && t.volume !== undefined && !Number.isInteger(t.volume))
        this.unsupported("ticks", "volume_dec", `the fractional volume ${t.volume} of ${t.symbol}`);
      if (!added.sizes && (t.bidSize !== undefined || t.askSize !== undefined))
        this.unsupported("ticks", "bid_size", `the quote sizes of ${t.symbol}`);
      getOrCreate(groups, key, () => []).push(tickRow(t, ms, day, bucket, added));
      const l = latest.get(t.symbol);
      if (!l || l.ts < t.ts || (l.ts === t.ts && l.id! < t.id!)) latest.set(t.symbol, t);
    }
    const maxRows = batchRows(this.config, this.options.batchRows);
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
        params: [...tickRow(t, ms, day, undefined, added), types.Long.fromNumber(ms * 1000)],
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
    const day = (iso: string) => marketDayAndMinute(Date.parse(iso), tz).day;
    const jobs: (() => Promise<unknown>)[] = [];
    for (const { record: b } of batch.bars) {
      if (!this.present.has("bars.volume_dec") && !Number.isInteger(b.volume))
        this.unsupported("bars", "volume_dec", `the fractional volume ${b.volume} of ${b.symbol}`);
      if (!this.present.has("bars.session") && b.session !== undefined)
        this.unsupported("bars", "session", `the session ${b.session} of ${b.symbol}'s ${b.interval} bar`);
      const params = barRow(b, day(b.start), this.present);
      jobs.push(() => this.client.execute(this.insertBar, params, { prepare: true, isIdempotent: true }));
    }
    for (const { record: a } of batch.alerts) {
      const params = alertRow(a, day(a.ts));
      jobs.push(() => this.client.execute(this.insertAlert, params, { prepare: true, isIdempotent: true }));
    }
    await runBounded(jobs, this.config.consumer.concurrency);
  }

  async close(): Promise<void> {
    await this.client.shutdown().catch(() => {});
  }
}
