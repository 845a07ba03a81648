/**
 * Each record kind back from a row of the lake (as the local engine returns it: plain values, times as ISO
 * strings). The other direction is the lake's columns in layout.ts, which the Parquet encoder and the tables share.
 */
import type { Alert } from "../../model/alert";
import type { Bar } from "../../model/bar";
import type { Tick } from "../../model/tick";

type LakeRow = Record<string, unknown>;

export function barFromLake(r: LakeRow): Bar {
  // In BAR_FIELDS order, as the analyzer makes a bar: the optional session before the id.
  const bar = {
    symbol: String(r.symbol),
    interval: String(r.interval),
    start: String(r.start),
    end: String(r.end),
    open: Number(r.open),
    high: Number(r.high),
    low: Number(r.low),
    close: Number(r.close),
    volume: Number(r.volume_dec ?? r.volume),
    vwap: Number(r.vwap),
    trades: Number(r.trades),
  } as Bar;
  if (r.session !== null && r.session !== undefined) bar.session = String(r.session);
  bar.id = String(r.id);
  return bar;
}

export function alertFromLake(r: LakeRow): Alert {
  return {
    symbol: String(r.symbol),
    ts: String(r.ts),
    rule: String(r.rule),
    severity: String(r.severity) as Alert["severity"],
    value: Number(r.value),
    threshold: Number(r.threshold),
    message: String(r.message),
    id: String(r.id),
  };
}

/** A tick from the columns selected (the others stay unset; a null column is an absent field). */
export function tickFromLake(r: LakeRow): Tick {
  const t: Tick = { symbol: String(r.symbol), ts: String(r.ts), price: Number(r.price) };
  for (const field of ["open", "high", "low", "close", "adjClose", "volume", "bid", "ask", "bidSize", "askSize", "seq"] as const) {
    const v = r[field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)];
    if (v !== null && v !== undefined) t[field] = Number(v);
  }
  // A fractional volume is in volume_dec (volume is null then).
  if (r.volume_dec !== null && r.volume_dec !== undefined) t.volume = Number(r.volume_dec);
  for (const field of ["currency", "source", "id"] as const) {
    const v = r[field];
    if (v !== null && v !== undefined) t[field] = String(v);
  }
  return t;
}
