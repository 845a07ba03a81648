/** OHLCV + VWAP accumulation for one symbol over one window. Pure; the accumulator is what the checkpoint stores. */
import { type Bar, barId } from "../model/bar";
import { addVolume, volumeOf } from "../model/volume";

export interface BarAcc {
  start: number;
  end: number;
  open: number;
  openTs: number;
  high: number;
  low: number;
  close: number;
  closeTs: number;
  /** Σ volume's whole parts … */
  volume: number;
  /** … and Σ its fractions in 10⁻⁸ (absent while the window's volumes are whole; see model/volume.ts). */
  units?: number;
  /** Σ price·volume */
  pv: number;
  /** Σ price (for the mean price of a window without volume) */
  psum: number;
  trades: number;
  /** A 1d bar's trading day (YYYY-MM-DD): its session, fixed when the window opened. */
  session?: string;
}

/**
 * A tick's own open, high, low and close: a tick that carries a day's bar (a daily price file, a quote with the
 * day's range) shapes a daily bar with them — its open opens the bar, its close closes it, its range widens it.
 */
export interface OwnRange {
  open?: number;
  high?: number;
  low?: number;
  close?: number;
}

export function newBar(start: number, end: number, price: number, ts: number, volume: number, own?: OwnRange): BarAcc {
  const b: BarAcc = {
    start,
    end,
    open: price,
    openTs: ts,
    high: price,
    low: price,
    close: price,
    closeTs: ts,
    volume: 0,
    pv: price * volume,
    psum: price,
    trades: 1,
  };
  if (Number.isInteger(volume)) b.volume = volume;
  else addFraction(b, volume);
  if (own) widen(b, own, true, true);
  return b;
}

function widen(b: BarAcc, own: OwnRange, opens: boolean, closes: boolean): void {
  if (opens && own.open !== undefined && own.open > 0) b.open = own.open;
  if (closes && own.close !== undefined && own.close > 0) b.close = own.close;
  if (own.high !== undefined && own.high > b.high) b.high = own.high;
  if (own.low !== undefined && own.low > 0 && own.low < b.low) b.low = own.low;
}

/**
 * Adds a tick. Ticks arrive in offset order, so on equal event times the first one seen stays the open and the
 * last one seen becomes the close.
 */
export function addToBar(b: BarAcc, price: number, ts: number, volume: number, own?: OwnRange): void {
  const opens = ts < b.openTs;
  const closes = ts >= b.closeTs;
  if (opens) {
    b.open = price;
    b.openTs = ts;
  }
  if (closes) {
    b.close = price;
    b.closeTs = ts;
  }
  if (price > b.high) b.high = price;
  if (price < b.low) b.low = price;
  if (own) widen(b, own, opens, closes);
  if (Number.isInteger(volume)) b.volume += volume;
  else addFraction(b, volume);
  b.pv += price * volume;
  b.psum += price;
  b.trades += 1;
}

/** Adds a fractional volume exactly. */
function addFraction(b: BarAcc, volume: number): void {
  const sum = { whole: b.volume, units: b.units ?? 0 };
  addVolume(sum, volume);
  b.volume = sum.whole;
  b.units = sum.units;
}

/** The window's volume: exact, fractional when its ticks' were. */
export function volumeOfBar(b: BarAcc): number {
  return b.units ? volumeOf(b.volume, b.units) : b.volume;
}

export function vwapOf(b: BarAcc): number {
  const volume = volumeOfBar(b);
  return volume > 0 ? b.pv / volume : b.psum / b.trades;
}

/**
 * Window bounds as ISO text, remembered: a window closes for every symbol at once, so the same start and end are
 * written once per symbol (toISOString was a fifth of a backfill's time).
 */
const isoTexts = new Map<number, string>();
function iso(ms: number): string {
  let text = isoTexts.get(ms);
  if (text === undefined) {
    if (isoTexts.size >= 4096) isoTexts.clear();
    text = new Date(ms).toISOString();
    isoTexts.set(ms, text);
  }
  return text;
}

export function toBar(symbol: string, interval: string, b: BarAcc, session?: string): Bar {
  const start = iso(b.start);
  // Built in BAR_FIELDS order (the record's bytes): the optional session before the id.
  const bar = {
    symbol,
    interval,
    start,
    end: iso(b.end),
    open: b.open,
    high: b.high,
    low: b.low,
    close: b.close,
    volume: volumeOfBar(b),
    vwap: vwapOf(b),
    trades: b.trades,
  } as Bar;
  if (session !== undefined) bar.session = session;
  bar.id = barId(symbol, interval, start);
  return bar;
}
