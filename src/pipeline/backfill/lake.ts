/** The lake's side of `backfill`: its ticks in event-time order, and the ids of the bars and alerts it already holds. */
import type { DuckDBConnection, DuckDBVector } from "@duckdb/node-api";
import type { Tick } from "../../model/tick";
import { sqlString } from "../../util/sql";

/** The ids of the bars (of `intervals`) and volumeSpike alerts the lake holds in [from, to). */
export async function idsInLake(c: DuckDBConnection, intervals: string[], from: number, to: number): Promise<Set<string>> {
  const t = (ms: number) => `make_timestamp(${Math.trunc(ms) * 1000}::BIGINT)`;
  const ids = new Set<string>();
  const reader = await c.runAndReadAll(`
    SELECT id FROM bars WHERE interval IN (${intervals.map(sqlString).join(", ")}) AND start >= ${t(from)} AND "end" <= ${t(to)}
    UNION ALL SELECT id FROM alerts WHERE rule = 'volumeSpike' AND ts >= ${t(from)} AND ts < ${t(to)}`);
  for (const id of reader.getColumns()[0] ?? []) ids.add(String(id));
  return ids;
}

export interface TickChunk {
  ticks: Tick[];
  ts: number[];
}

/**
 * The lake's ticks in [from, to), in event-time order (equal times: by symbol, then the source's seq, then price
 * and volume, so the order is the same on every run), a DuckDB chunk at a time. Only what the analyzer reads is
 * selected, as numbers: the symbol as its index in an ENUM of the range's symbols (strings per row cost more than
 * the rest of the read), a daily bar's own range only when some tick in the range has one.
 */
export async function* readTicks(
  c: DuckDBConnection,
  from: number,
  to: number,
  symbols: string[] | undefined,
  signal: AbortSignal,
): AsyncGenerator<TickChunk> {
  const t = (ms: number) => `make_timestamp(${Math.trunc(ms) * 1000}::BIGINT)`;
  const where = `ts >= ${t(from)} AND ts < ${t(to)}${symbols?.length ? ` AND symbol IN (${symbols.map(sqlString).join(", ")})` : ""}`;
  const names = ((await c.runAndReadAll(`SELECT DISTINCT symbol FROM ticks WHERE ${where} ORDER BY 1`)).getColumns()[0] ?? []).map(String);
  if (names.length === 0) return;
  await c.run(`CREATE TYPE backfill_symbol AS ENUM (${names.map(sqlString).join(", ")})`);
  const own =
    (
      await c.runAndReadAll(
        `SELECT coalesce(bool_or(open IS NOT NULL OR high IS NOT NULL OR low IS NOT NULL OR "close" IS NOT NULL), false) FROM ticks WHERE ${where}`,
      )
    ).getColumns()[0]?.[0] === true;
  const result = await c.stream(`
    SELECT enum_code(symbol::backfill_symbol)::INTEGER AS k, epoch_ms(ts)::DOUBLE AS ms, price,
           coalesce(volume::DOUBLE, volume_dec::DOUBLE) AS volume${own ? `, open, high, low, "close"` : ""}
    FROM ticks WHERE ${where}
    ORDER BY ts, k, seq NULLS FIRST, price, volume`);
  for (;;) {
    if (signal.aborted) return;
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) return;
    const n = chunk.rowCount;
    const [k, ms, price, volume] = [0, 1, 2, 3].map((i) => chunk.getColumnVector(i)) as DuckDBVector<number>[];
    const ranges = own ? [4, 5, 6, 7].map((i) => chunk.getColumnVector(i) as DuckDBVector<number>) : undefined;
    const ticks: Tick[] = new Array(n);
    const ts: number[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const tick: Tick = { symbol: names[k!.getItem(i)!]!, ts: "", price: price!.getItem(i)! };
      const v = volume!.getItem(i);
      if (v !== null) tick.volume = v;
      if (ranges) {
        const [o, h, l, cl] = ranges.map((r) => r.getItem(i));
        if (o !== null) tick.open = o;
        if (h !== null) tick.high = h;
        if (l !== null) tick.low = l;
        if (cl !== null) tick.close = cl;
      }
      ticks[i] = tick;
      ts[i] = ms!.getItem(i)!;
    }
    yield { ticks, ts };
  }
}
