/**
 * Market time: parsing the date forms found in price files, and the trading day of an instant in the market's
 * time zone. A date or time without a zone is wall-clock time in the market's zone.
 */
import { getOrCreate } from "../util/maps";

const MONTHS: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  sept: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};

const formatters = new Map<string, Intl.DateTimeFormat>();
/** A zone's wall clock to the second (and, `withZone`, the zone's short name: EST, GMT+8). */
function formatter(timeZone: string, withZone = false): Intl.DateTimeFormat {
  const key = `${timeZone}|${withZone}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      timeZoneName: withZone ? "short" : undefined,
    });
    formatters.set(key, f);
  }
  return f;
}

/** `2024-01-02 09:31:07 EST`: a moment on the wall clock of `timeZone`, with the zone's short name. */
export function wallClockText(ms: number, timeZone: string): string {
  const p: Record<string, string> = {};
  for (const x of formatter(timeZone, true).formatToParts(new Date(ms))) p[x.type] = x.value;
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} ${p.timeZoneName}`;
}

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallAt(ms: number, timeZone: string): Wall {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) if (p.type !== "literal") parts[p.type] = Number(p.value);
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!, second: parts.second! };
}

/** The zone's offset from UTC (ms) at the instant `ms`. */
function offsetAt(ms: number, timeZone: string): number {
  const w = wallAt(ms, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** Epoch ms of a wall-clock time in `timeZone` (for a time skipped by DST, the instant just after the gap). */
export function zonedToEpoch(w: Wall, millis: number, timeZone: string): number {
  const guess = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, millis);
  const first = guess - offsetAt(guess, timeZone);
  const offset = offsetAt(first, timeZone);
  const second = guess - offset;
  if (second === first || offsetAt(second, timeZone) === offset) return second;
  // Neither offset gives back this wall time: it falls in a DST gap. Take the instant after the gap.
  return Math.max(first, second);
}

/** The trading date (YYYY-MM-DD) of an instant in the market's time zone. */
export function tradingDay(ms: number, timeZone: string): string {
  const w = wallAt(ms, timeZone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}`;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const MONTH_FIRST = /^([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
const DAY_FIRST = /^(\d{1,2})[\s-]([A-Za-z]{3,9})\.?[\s-](\d{4})(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
const SLASHED_ISO = /^(\d{4})\/(\d{2})\/(\d{2})$/;

/**
 * Parses ISO-8601 (with or without time and zone), YYYY-MM-DD, epoch seconds or milliseconds, and month-name
 * forms ("Jan 1 2000", "January 1, 2000 09:30", "1-Jan-2000"). Returns epoch ms, or undefined if unparseable.
 */
export function parseMarketDate(input: string, timeZone: string): number | undefined {
  const s = input.trim();
  if (s === "") return undefined;
  if (/^\d{9,11}(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  if (/^\d{12,14}$/.test(s)) return Number(s);
  let m = ISO.exec(s);
  if (m) {
    const [, y, mo, d, h = "0", mi = "0", sec = "0", frac = "", zone] = m;
    const w = { year: +y!, month: +mo!, day: +d!, hour: +h, minute: +mi, second: +sec };
    if (!validWall(w)) return undefined;
    const millis = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
    if (!zone) return zonedToEpoch(w, millis, timeZone);
    const offset = zone.toUpperCase() === "Z" ? 0 : zoneOffset(zone);
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, millis) - offset;
  }
  m = SLASHED_ISO.exec(s);
  if (m) return fromParts(+m[1]!, +m[2]!, +m[3]!, 0, 0, 0, timeZone);
  m = MONTH_FIRST.exec(s);
  if (m) {
    const month = MONTHS[m[1]!.slice(0, m[1]!.length > 3 && m[1]!.toLowerCase().startsWith("sept") ? 4 : 3).toLowerCase()];
    return month ? fromParts(+m[3]!, month, +m[2]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0), timeZone) : undefined;
  }
  m = DAY_FIRST.exec(s);
  if (m) {
    const month = MONTHS[m[2]!.slice(0, 3).toLowerCase()];
    return month ? fromParts(+m[3]!, month, +m[1]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0), timeZone) : undefined;
  }
  return undefined;
}

function fromParts(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  timeZone: string,
): number | undefined {
  const w = { year, month, day, hour, minute, second };
  return validWall(w) ? zonedToEpoch(w, 0, timeZone) : undefined;
}

function validWall(w: Wall): boolean {
  if (w.month < 1 || w.month > 12 || w.day < 1 || w.hour > 23 || w.minute > 59 || w.second > 60) return false;
  const daysInMonth = new Date(Date.UTC(w.year, w.month, 0)).getUTCDate();
  return w.day <= daysInMonth;
}

function zoneOffset(zone: string): number {
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
  const minutes = Number(m[2]) * 60 + Number(m[3] ?? 0);
  return (m[1] === "-" ? -1 : 1) * minutes * 60_000;
}

/** "2s", "500ms", "1m", "1h" or plain milliseconds → ms. */
export function parseDuration(input: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(input.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? "ms";
  return Math.round(n * (unit === "ms" ? 1 : unit === "s" ? 1000 : unit === "m" ? 60_000 : 3_600_000));
}

/** Offsets by UTC hour: a zone's offset only changes on the hour (or half hour) at DST and rule changes. */
const offsetCache = new Map<string, Map<number, number>>();

/**
 * The trading day and the minute of that day of an instant in `timeZone`. Fast path for per-tick use:
 * the zone offset is cached per UTC quarter hour.
 */
export function marketDayAndMinute(ms: number, timeZone: string): { day: string; minute: number } {
  const cache = getOrCreate(offsetCache, timeZone, () => new Map<number, number>());
  const slot = Math.floor(ms / 900_000);
  let offset = cache.get(slot);
  if (offset === undefined) {
    offset = offsetAt(slot * 900_000, timeZone);
    if (cache.size > 100_000) cache.clear();
    cache.set(slot, offset);
  }
  const wall = new Date(ms + offset);
  const day = `${wall.getUTCFullYear()}-${pad(wall.getUTCMonth() + 1)}-${pad(wall.getUTCDate())}`;
  return { day, minute: wall.getUTCHours() * 60 + wall.getUTCMinutes() };
}
