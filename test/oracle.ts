/**
 * An independent computation of what `analyze` must output, in DuckDB SQL over the ticks as they sit in Kafka
 * (partition, offset, event time): which ticks are late, and every final bar. Nothing here calls the code under
 * test.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import type { Kafka, KafkaMessage } from "kafkajs";
import { readMessages } from "../src/kafka/reader";

export interface Located {
  partition: number;
  offset: number;
  message: KafkaMessage;
}

/** Every committed message of a topic (read_committed), with its partition and offset. */
export async function readTopic(kafka: Kafka, topic: string): Promise<Located[]> {
  const out: Located[] = [];
  const signal = new AbortController().signal;
  for await (const batch of readMessages(kafka, { topic, from: "earliest", follow: false, signal }))
    for (const message of batch.messages) out.push({ partition: batch.partition, offset: Number(message.offset), message });
  return out;
}

export interface OracleTick {
  partition: number;
  offset: number;
  symbol: string;
  /** epoch ms */
  ts: number;
  price: number;
  volume: number;
}

export interface OracleBar {
  symbol: string;
  interval: string;
  start: string;
  end: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  vwap: number;
  trades: number;
}

async function withTicks<T>(ticks: OracleTick[], fn: (run: (sql: string) => Promise<Record<string, unknown>[]>) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "stockpipe-oracle-"));
  const file = join(dir, "ticks.jsonl");
  writeFileSync(file, ticks.map(({ offset, ...t }) => JSON.stringify({ ...t, off: offset })).join("\n"));
  const db = await DuckDBInstance.create(":memory:");
  const c = await db.connect();
  try {
    await c.run(
      `CREATE TABLE ticks AS SELECT * FROM read_json('${file}', format = 'newline_delimited', columns = {partition: 'INTEGER', off: 'BIGINT', symbol: 'VARCHAR', ts: 'BIGINT', price: 'DOUBLE', volume: 'DECIMAL(38,8)'})`,
    );
    // A tick is late when its event time is behind its partition's watermark: the largest event time of the
    // partition's earlier offsets, minus the lateness.
    return await fn(async (sql) => (await c.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[]);
  } finally {
    c.closeSync();
    rmSync(dir, { recursive: true, force: true });
  }
}

function flagged(latenessMs: number): string {
  return `flagged AS (
    SELECT *, coalesce(ts < max(ts) OVER (PARTITION BY partition ORDER BY off ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) - ${latenessMs}, false) AS late
    FROM ticks)`;
}

/** (partition, offset) of every late tick. */
export async function oracleLate(ticks: OracleTick[], latenessMs: number): Promise<string[]> {
  return withTicks(ticks, async (run) =>
    (await run(`WITH ${flagged(latenessMs)} SELECT partition, off FROM flagged WHERE late ORDER BY 1, 2`)).map(
      (r) => `${r.partition}/${r.off}`,
    ),
  );
}

/**
 * Every final bar of sub-day intervals (ms), volumes summed as decimals (exact, fractional sizes too): windows aligned to the interval since the epoch, closed once the
 * partition's final watermark (its largest event time minus the lateness) reaches their end, built from the
 * ticks that are not late. Open: first by event time, then offset; close: last by event time, then offset.
 */
export async function oracleBars(ticks: OracleTick[], intervals: Record<string, number>, latenessMs: number): Promise<OracleBar[]> {
  const values = Object.entries(intervals)
    .map(([name, ms]) => `('${name}', ${ms})`)
    .join(", ");
  return withTicks(ticks, async (run) => {
    const rows = await run(`
      WITH ${flagged(latenessMs)},
      watermark AS (SELECT partition, max(ts) - ${latenessMs} AS wm FROM ticks GROUP BY partition),
      windowed AS (
        SELECT f.*, i.name AS interval, i.ms, (f.ts // i.ms) * i.ms AS wstart
        FROM flagged f CROSS JOIN (VALUES ${values}) AS i(name, ms) WHERE NOT f.late)
      SELECT symbol, interval,
        strftime(make_timestamp(wstart * 1000), '%Y-%m-%dT%H:%M:%S.%gZ') AS start,
        strftime(make_timestamp((wstart + ms) * 1000), '%Y-%m-%dT%H:%M:%S.%gZ') AS "end",
        arg_min(price, ts * 1000000 + off) AS open,
        max(price) AS high,
        min(price) AS low,
        arg_max(price, ts * 1000000 + off) AS close,
        sum(volume) AS volume,
        CASE WHEN sum(volume) > 0 THEN sum(price * volume) / sum(volume) ELSE avg(price) END AS vwap,
        count(*)::BIGINT AS trades
      FROM windowed w JOIN watermark USING (partition)
      WHERE wstart + ms <= wm
      GROUP BY symbol, interval, wstart, ms
      ORDER BY symbol, interval, wstart`);
    return rows.map((r) => ({
      symbol: String(r.symbol),
      interval: String(r.interval),
      start: String(r.start),
      end: String(r.end),
      open: Number(r.open),
      high: Number(r.high),
      low: Number(r.low),
      close: Number(r.close),
      volume: Number(r.volume),
      vwap: Number(r.vwap),
      trades: Number(r.trades),
    }));
  });
}

/** The ticks of a topic as the oracle takes them (valid JSON ticks only). */
export function oracleTicks(messages: Located[]): OracleTick[] {
  const out: OracleTick[] = [];
  for (const { partition, offset, message } of messages) {
    let t: { symbol?: unknown; ts?: unknown; price?: unknown; volume?: unknown };
    try {
      t = JSON.parse(message.value?.toString() ?? "");
    } catch {
      continue;
    }
    if (typeof t.symbol !== "string" || typeof t.ts !== "string" || typeof t.price !== "number") continue;
    out.push({
      partition,
      offset,
      symbol: t.symbol,
      ts: Date.parse(t.ts),
      price: t.price,
      volume: typeof t.volume === "number" ? t.volume : 0,
    });
  }
  return out;
}

/** A bar as `analyze` writes it. */
export type BarRecord = OracleBar & { id: string };

/** The bars on `<topic>.bars.<interval>` (read_committed), every interval. */
export async function barsOf(kafka: Kafka, topic: string, intervals: string[]): Promise<BarRecord[]> {
  const out: BarRecord[] = [];
  for (const name of intervals)
    for (const { message } of await readTopic(kafka, `${topic}.bars.${name}`)) {
      if (message.headers?.schema?.toString() !== "bar.v1")
        throw new Error(`a record of ${topic}.bars.${name} has no bar.v1 schema header`);
      out.push(JSON.parse(message.value!.toString()));
    }
  return out;
}

/**
 * Compares bars with the oracle's: the same windows, each field equal (VWAP to 9 places: sums in another order),
 * and no bar twice. Returns what differs, empty when they agree.
 */
export function compareBars(got: BarRecord[], expected: OracleBar[]): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  const want = new Map(expected.map((b) => [`${b.symbol}|${b.interval}|${b.start}`, b]));
  const seen = new Set<string>();
  for (const bar of got) {
    const key = `${bar.symbol}|${bar.interval}|${bar.start}`;
    if (ids.has(bar.id)) problems.push(`${key}: more than once`);
    ids.add(bar.id);
    seen.add(key);
    const w = want.get(key);
    if (!w) {
      problems.push(`${key}: not expected`);
      continue;
    }
    for (const f of ["end", "open", "high", "low", "close", "volume", "trades"] as const)
      if (bar[f] !== w[f]) problems.push(`${key}: ${f} ${bar[f]}, expected ${w[f]}`);
    if (Math.abs(bar.vwap - w.vwap) > 1e-9 * Math.max(1, Math.abs(w.vwap))) problems.push(`${key}: vwap ${bar.vwap}, expected ${w.vwap}`);
  }
  for (const key of want.keys()) if (!seen.has(key)) problems.push(`${key}: missing`);
  return problems;
}
