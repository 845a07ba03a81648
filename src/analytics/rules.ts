/**
 * Alert rules, all on event time and processing order within a partition, so that the same ticks always fire the
 * same alerts: a replay, a restart from a checkpoint and an uninterrupted run agree alert for alert.
 *
 * - priceMove: within one window of `interval` (aligned like bars), a tick at least `percent` % above the
 *   window's low or below its high; fires once per window and direction.
 * - volumeSpike: a closed bar of `interval` whose volume is at least `factor` times the mean volume of the
 *   symbol's previous `lookback` bars of that interval.
 * - zScore: a tick-to-tick return whose z-score against the symbol's previous `window` returns is at least
 *   `threshold` in size.
 * - openingGap: the first tick of a trading session (the symbol's calendar, `analytics.sessions`) at least
 *   `percent` % away from the previous session's close (its last tick by event time); a tick outside the sessions
 *   neither opens nor closes one. A tick that carries `open` and `close` (a day's bar from a price file) opens and
 *   closes its day with those.
 */
import { type Alert, alertId, type Severity } from "../model/alert";
import type { SessionSpan } from "../model/calendar";
import { clockWindow, type Interval } from "../model/interval";
import { type BarAcc, volumeOfBar } from "./bars";

export interface RuleSettings {
  priceMove?: { interval: Interval; percent: number; severity: Severity };
  volumeSpike?: { interval: Interval; factor: number; lookback: number; severity: Severity };
  zScore?: { window: number; threshold: number; severity: Severity };
  openingGap?: { percent: number; severity: Severity };
}

/** A symbol's rule state: what the checkpoint stores besides the open bars. */
export interface RuleState {
  /** Last price in processing order (zScore). */
  last?: number;
  /** Previous returns, oldest first (zScore). */
  rets: number[];
  /** Volumes of the previous bars of volumeSpike's interval, oldest first. */
  vols: number[];
  /** priceMove's current window. */
  move?: { start: number; low: number; high: number; up: boolean; down: boolean };
  /** openingGap: the current trading day, its last price by event time, and the previous day's close. */
  day?: string;
  dayLast?: number;
  dayLastTs?: number;
  prevClose?: number;
}

export function newRuleState(): RuleState {
  return { rets: [], vols: [] };
}

export interface TickSeen {
  symbol: string;
  price: number;
  tsMs: number;
  ts: string;
  /** The tick's id: with the rule and symbol, it makes the alert's id. */
  id: string;
  /** The trading session the tick is in (its calendar, analytics.sessions); undefined outside them. */
  span: SessionSpan | undefined;
  /** The tick's own open and close, when it carries a day's bar (a daily price file): the opening gap uses them. */
  open?: number;
  close?: number;
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;
const pct = (x: number) => `${round(x, 2).toFixed(2)}%`;

function alert(
  rule: string,
  severity: Severity,
  t: Pick<TickSeen, "symbol" | "ts">,
  trigger: string,
  value: number,
  threshold: number,
  message: string,
): Alert {
  return { symbol: t.symbol, ts: t.ts, rule, severity, value: round(value, 4), threshold, message, id: alertId(rule, t.symbol, trigger) };
}

/** Runs the per-tick rules for a tick that counts (not late), updating the symbol's rule state. */
export function onTick(rules: RuleSettings, s: RuleState, t: TickSeen, out: Alert[]): void {
  if (rules.zScore) zScore(rules.zScore, s, t, out);
  s.last = t.price;
  if (rules.priceMove) priceMove(rules.priceMove, s, t, out);
  if (rules.openingGap && t.span) openingGap(rules.openingGap, s, t, t.span.day, out);
}

function zScore(r: NonNullable<RuleSettings["zScore"]>, s: RuleState, t: TickSeen, out: Alert[]): void {
  if (s.last === undefined) return;
  const ret = t.price / s.last - 1;
  if (s.rets.length >= r.window) {
    let mean = 0;
    for (const x of s.rets) mean += x;
    mean /= s.rets.length;
    let variance = 0;
    for (const x of s.rets) variance += (x - mean) ** 2;
    const std = Math.sqrt(variance / s.rets.length);
    const z = std > 0 ? (ret - mean) / std : 0;
    if (Math.abs(z) >= r.threshold)
      out.push(
        alert(
          "zScore",
          r.severity,
          t,
          t.id,
          z,
          r.threshold,
          `${t.symbol} moved ${pct(ret * 100)} in one tick to ${t.price}: z-score ${round(z, 2)} over its last ${r.window} returns (threshold ±${r.threshold})`,
        ),
      );
  }
  s.rets.push(ret);
  if (s.rets.length > r.window) s.rets.shift();
}

function priceMove(r: NonNullable<RuleSettings["priceMove"]>, s: RuleState, t: TickSeen, out: Alert[]): void {
  // A daily window is the trading session (a tick outside it is in none); a shorter one, the clock's.
  const start = r.interval.daily ? t.span?.start : clockWindow(t.tsMs, r.interval).start;
  if (start === undefined) return;
  const m = s.move;
  if (!m || start > m.start) {
    s.move = { start, low: t.price, high: t.price, up: false, down: false };
    return;
  }
  // A tick of an earlier window, still within the lateness: that window's move is no longer followed.
  if (start < m.start) return;
  const up = ((t.price - m.low) / m.low) * 100;
  const down = ((m.high - t.price) / m.high) * 100;
  if (!m.up && up >= r.percent) {
    m.up = true;
    out.push(
      alert(
        "priceMove",
        r.severity,
        t,
        `${t.id}|up`,
        up,
        r.percent,
        `${t.symbol} rose ${pct(up)} from ${m.low} to ${t.price} within ${r.interval.name}`,
      ),
    );
  }
  if (!m.down && down >= r.percent) {
    m.down = true;
    out.push(
      alert(
        "priceMove",
        r.severity,
        t,
        `${t.id}|down`,
        -down,
        r.percent,
        `${t.symbol} fell ${pct(down)} from ${m.high} to ${t.price} within ${r.interval.name}`,
      ),
    );
  }
  if (t.price < m.low) m.low = t.price;
  if (t.price > m.high) m.high = t.price;
}

function openingGap(r: NonNullable<RuleSettings["openingGap"]>, s: RuleState, t: TickSeen, day: string, out: Alert[]): void {
  if (s.day === undefined || day > s.day) {
    const prev = s.dayLast;
    s.prevClose = prev;
    s.day = day;
    s.dayLast = t.close ?? t.price;
    s.dayLastTs = t.tsMs;
    if (prev === undefined) return;
    const open = t.open ?? t.price;
    const gap = (open / prev - 1) * 100;
    if (Math.abs(gap) >= r.percent)
      out.push(
        alert(
          "openingGap",
          r.severity,
          t,
          t.id,
          gap,
          r.percent,
          `${t.symbol} opened ${day} at ${open}, ${pct(Math.abs(gap))} ${gap > 0 ? "above" : "below"} the previous close ${prev}`,
        ),
      );
    return;
  }
  // A tick of an earlier day (out of order across midnight) does not change this day's close.
  if (day === s.day && t.tsMs >= (s.dayLastTs ?? Number.NEGATIVE_INFINITY)) {
    s.dayLast = t.close ?? t.price;
    s.dayLastTs = t.tsMs;
  }
}

/** Runs the bar rules on a closed bar of `interval`, updating the symbol's rule state. */
export function onBarClosed(rules: RuleSettings, s: RuleState, symbol: string, interval: Interval, b: BarAcc, out: Alert[]): void {
  const r = rules.volumeSpike;
  if (!r || r.interval.name !== interval.name) return;
  const volume = volumeOfBar(b);
  if (s.vols.length >= r.lookback) {
    let mean = 0;
    for (const v of s.vols) mean += v;
    mean /= s.vols.length;
    const ratio = mean > 0 ? volume / mean : 0;
    if (mean > 0 && ratio >= r.factor) {
      const start = new Date(b.start).toISOString();
      out.push(
        alert(
          "volumeSpike",
          r.severity,
          { symbol, ts: new Date(b.closeTs).toISOString() },
          `${interval.name}|${start}`,
          ratio,
          r.factor,
          `${symbol} traded ${volume.toLocaleString("en-US", { maximumFractionDigits: 8 })} in the ${interval.name} bar from ${start}: ${round(ratio, 1)}× the mean of its previous ${r.lookback} bars`,
        ),
      );
    }
  }
  s.vols.push(volume);
  if (s.vols.length > r.lookback) s.vols.shift();
}
