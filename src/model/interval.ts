/**
 * Bar intervals: `1s`, `5s`, `1m`, `5m`, `15m`, `1h`, `4h`, `1d`. A sub-day interval divides the day and its
 * windows are aligned to multiples of it since the epoch (in UTC, which is the market's wall clock wherever the
 * zone's offset is a multiple of the interval); `1d` is the trading session of the symbol's calendar
 * (calendar.ts) — on `24x7`, the day in the market's time zone, midnight to midnight (23 or 25 hours on the days
 * the clocks change).
 */
import { zonedToEpoch } from "./time";

export interface Interval {
  /** Canonical name: `1s`, `30s`, `1m`, `5m`, `1h`, `1d`. */
  name: string;
  /** Length in ms (a nominal 24 h for `1d`). */
  ms: number;
  daily: boolean;
}

const DAY_MS = 86_400_000;
const UNITS: [string, number][] = [
  ["h", 3_600_000],
  ["m", 60_000],
  ["s", 1000],
];

/** Why `text` is not an interval, or undefined when it is one. */
export function intervalProblem(text: string): string | undefined {
  const m = /^(\d+)(s|m|h|d)$/.exec(text.trim());
  if (!m) return `${JSON.stringify(text)} is not an interval such as 1s, 1m, 5m, 1h or 1d`;
  const n = Number(m[1]);
  if (m[2] === "d") return n === 1 ? undefined : `${text}: the only daily interval is 1d`;
  const ms = n * (m[2] === "s" ? 1000 : m[2] === "m" ? 60_000 : 3_600_000);
  if (ms === 0 || DAY_MS % ms !== 0)
    return `${text} does not divide a day evenly (use 1s, 5s, 10s, 15s, 30s, 1m, 5m, 15m, 30m, 1h, 2h, 4h, 1d, …)`;
  if (ms === DAY_MS) return "24h: write 1d (the trading day of the symbol's calendar)";
  return undefined;
}

export function parseInterval(text: string): Interval {
  const problem = intervalProblem(text);
  if (problem) throw new Error(problem);
  const m = /^(\d+)(s|m|h|d)$/.exec(text.trim())!;
  if (m[2] === "d") return { name: "1d", ms: DAY_MS, daily: true };
  const ms = Number(m[1]) * (m[2] === "s" ? 1000 : m[2] === "m" ? 60_000 : 3_600_000);
  // Canonical name in the largest whole unit: 60s → 1m, 120m → 2h.
  const [unit, size] = UNITS.find(([, size]) => ms % size === 0)!;
  return { name: `${ms / size}${unit}`, ms, daily: false };
}

/** The window [start, end) of a sub-day `interval` that holds the instant `ms` (1d windows are sessions: calendar.ts). */
export function clockWindow(ms: number, interval: Interval): { start: number; end: number } {
  const start = Math.floor(ms / interval.ms) * interval.ms;
  return { start, end: start + interval.ms };
}

const dayWindows = new Map<string, { start: number; end: number }>();

/** Midnight to midnight of a trading day (YYYY-MM-DD) in `timeZone`, as epoch ms. */
export function dayWindow(day: string, timeZone: string): { start: number; end: number } {
  const key = `${timeZone}|${day}`;
  let w = dayWindows.get(key);
  if (!w) {
    const [y, m, d] = day.split("-").map(Number) as [number, number, number];
    const start = zonedToEpoch({ year: y, month: m, day: d, hour: 0, minute: 0, second: 0 }, 0, timeZone);
    const next = new Date(Date.UTC(y, m - 1, d + 1));
    const end = zonedToEpoch(
      { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate(), hour: 0, minute: 0, second: 0 },
      0,
      timeZone,
    );
    w = { start, end };
    if (dayWindows.size > 10_000) dayWindows.clear();
    dayWindows.set(key, w);
  }
  return w;
}
