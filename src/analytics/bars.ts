/** OHLCV + VWAP accumulation for one symbol over one window. Pure; the accumulator is what the checkpoint stores. */
import { type Bar, barId } from "../model/bar";

export interface BarAcc {
  start: number;
  end: number;
  open: number;
  openTs: number;
  high: number;
  low: number;
  close: number;
  closeTs: number;
  volume: number;
  /** Σ price·volume */
  pv: number;
  /** Σ price (for the mean price of a window without volume) */
  psum: number;
  trades: number;
}

export function newBar(start: number, end: number, price: number, ts: number, volume: number): BarAcc {
  return {
    start,
    end,
    open: price,
    openTs: ts,
    high: price,
    low: price,
    close: price,
    closeTs: ts,
    volume,
    pv: price * volume,
    psum: price,
    trades: 1,
  };
}

/**
 * Adds a tick. Ticks arrive in offset order, so on equal event times the first one seen stays the open and the
 * last one seen becomes the close.
 */
export function addToBar(b: BarAcc, price: number, ts: number, volume: number): void {
  if (ts < b.openTs) {
    b.open = price;
    b.openTs = ts;
  }
  if (ts >= b.closeTs) {
    b.close = price;
    b.closeTs = ts;
  }
  if (price > b.high) b.high = price;
  if (price < b.low) b.low = price;
  b.volume += volume;
  b.pv += price * volume;
  b.psum += price;
  b.trades += 1;
}

export function vwapOf(b: BarAcc): number {
  return b.volume > 0 ? b.pv / b.volume : b.psum / b.trades;
}

export function toBar(symbol: string, interval: string, b: BarAcc): Bar {
  const start = new Date(b.start).toISOString();
  return {
    symbol,
    interval,
    start,
    end: new Date(b.end).toISOString(),
    open: b.open,
    high: b.high,
    low: b.low,
    close: b.close,
    volume: b.volume,
    vwap: vwapOf(b),
    trades: b.trades,
    id: barId(symbol, interval, start),
  };
}
