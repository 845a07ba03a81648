/**
 * Exchange calendars: when a market trades. An exchange's sessions (regular hours, a lunch break where there is
 * one, pre- and post-market where they exist), holidays and early closes, in its own time zone across DST, for
 * 2000–2030 — from calendars/sessions.json, generated from the exchange_calendars package by
 * stack/calendars/generate.py. `24x7` trades every day, midnight to midnight in the market's time zone.
 *
 * Outside 2000–2030 an exchange keeps the hours of the nearest year it has, on its weekdays, with no holidays.
 */
import data from "./calendars/sessions.json";
import { dayWindow } from "./interval";
import { symbolPattern } from "./patterns";
import { marketDayAndMinute, zonedToEpoch } from "./time";

/** Which part of the day `analytics.sessions` counts as the trading day. */
export type SessionMode = "regular" | "extended" | "all";
export const SESSION_MODES: readonly SessionMode[] = ["regular", "extended", "all"];

/** One trading day of an exchange, as epoch ms. */
export interface Session {
  /** The trading day, YYYY-MM-DD in the exchange's time zone. */
  day: string;
  open: number;
  close: number;
  /** The lunch break, where there is one. */
  breakStart?: number;
  breakEnd?: number;
  /** Extended hours: the pre-market's start and the post-market's end (the open and the close where there are none). */
  preOpen: number;
  postClose: number;
}

/** Where an instant falls in an exchange's day: its pre-market, regular hours, post-market, or none of them (closed, a lunch break). */
export type MarketPart = "pre" | "regular" | "post" | "closed";
export const MARKET_PARTS: readonly MarketPart[] = ["pre", "regular", "post", "closed"];

/** The span of a session that counts under a mode: [start, end), less the break for `regular`. */
export interface SessionSpan {
  day: string;
  start: number;
  end: number;
  breakStart?: number;
  breakEnd?: number;
}

interface ExchangeData {
  timeZone: string;
  weekmask: string;
  first: string;
  last: string;
  holidays: string[];
  special: string[];
  hours: string[][];
}

const EXCHANGES = (data as { exchanges: Record<string, ExchangeData> }).exchanges;

/** US equities trade from 04:00 to the open and from the close to 20:00 (17:00 after an early close), New York time. */
const EXTENDED: Record<string, { pre: string; post: string; postEarly: string; earlyBefore: string }> = {
  XNYS: { pre: "04:00", post: "20:00", postEarly: "17:00", earlyBefore: "16:00" },
  XNAS: { pre: "04:00", post: "20:00", postEarly: "17:00", earlyBefore: "16:00" },
};

export const CALENDAR_NAMES: readonly string[] = [...Object.keys(EXCHANGES), "24x7"];

export function isCalendarName(name: string): boolean {
  return CALENDAR_NAMES.includes(name);
}

const DAY_MS = 86_400_000;

function dayKey(y: number, m: number, d: number): string {
  return `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}

function addDays(day: string, n: number): string {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d + n));
  return dayKey(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
}

function at(day: string, hhmm: string, timeZone: string): number {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  const [hour, minute] = hhmm.split(":").map(Number) as [number, number];
  return zonedToEpoch({ year: y, month: m, day: d, hour, minute, second: 0 }, 0, timeZone);
}

const made = new Map<string, Calendar>();

export class Calendar {
  /** Sessions by UTC year of their day's date, sorted: built on first use. */
  private readonly years = new Map<number, Session[]>();
  private last?: Session;

  private constructor(
    readonly name: string,
    readonly timeZone: string,
    private readonly x?: ExchangeData,
    private readonly holidays: ReadonlySet<string> = new Set(),
    private readonly special: ReadonlySet<string> = new Set(),
  ) {}

  /**
   * `name`: an exchange (XNYS, XLON, XHKG, …) or `24x7`, whose days are `timeZone`'s. One instance per calendar
   * and zone, shared: its sessions are worked out once per year (a year of 24x7 days is 730 zone conversions).
   */
  static of(name: string, timeZone: string): Calendar {
    const key = name === "24x7" ? `${name}|${timeZone}` : name;
    let c = made.get(key);
    if (!c) {
      const x = EXCHANGES[name];
      if (name !== "24x7" && !x) throw new Error(`unknown calendar ${JSON.stringify(name)} (one of ${CALENDAR_NAMES.join(", ")})`);
      c = x ? new Calendar(name, x.timeZone, x, new Set(x.holidays), new Set(x.special)) : new Calendar(name, timeZone);
      made.set(key, c);
    }
    return c;
  }

  /** Every session whose day lies in [fromDay, toDay] (YYYY-MM-DD), in order. */
  sessions(fromDay: string, toDay: string): Session[] {
    const out: Session[] = [];
    for (let y = Number(fromDay.slice(0, 4)); y <= Number(toDay.slice(0, 4)); y++)
      for (const s of this.year(y)) if (s.day >= fromDay && s.day <= toDay) out.push(s);
    return out;
  }

  /** The session whose extended hours hold the instant `ms`, if any. */
  sessionAt(ms: number): Session | undefined {
    const l = this.last;
    if (l && ms >= l.preOpen && ms < l.postClose) return l;
    const y = new Date(ms).getUTCFullYear();
    for (const year of [y, y + 1, y - 1]) {
      const list = this.year(year);
      let lo = 0;
      let hi = list.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const s = list[mid]!;
        if (ms < s.preOpen) hi = mid - 1;
        else if (ms >= s.postClose) lo = mid + 1;
        else {
          this.last = s;
          return s;
        }
      }
    }
    return undefined;
  }

  /**
   * The trading day that the instant `ms` counts in under `mode`, with its span; undefined when `ms` is outside
   * (before the open, after the close, in the lunch break, on a holiday — as the mode says).
   */
  spanAt(ms: number, mode: SessionMode): SessionSpan | undefined {
    if (mode === "all" && this.x) return this.calendarDay(ms);
    const s = this.sessionAt(ms);
    if (!s) return undefined;
    const span = spanOf(s, mode);
    if (ms < span.start || ms >= span.end) return undefined;
    if (span.breakStart !== undefined && ms >= span.breakStart && ms < span.breakEnd!) return undefined;
    return span;
  }

  /**
   * The trading day whose span under `mode` overlaps the window [start, end) (a sub-day bar's): the first such,
   * or undefined when the window lies wholly outside the sessions (overnight, a weekend, a holiday, a lunch break).
   */
  dayOverlapping(start: number, end: number, mode: SessionMode): string | undefined {
    if (mode === "all" && this.x) return this.calendarDay(start).day;
    for (const at of [start, end - 1]) {
      const s = this.sessionAt(at);
      if (!s) continue;
      const span = spanOf(s, mode);
      const parts: [number, number][] =
        span.breakStart === undefined
          ? [[span.start, span.end]]
          : [
              [span.start, span.breakStart],
              [span.breakEnd!, span.end],
            ];
      if (parts.some(([a, b]) => start < b && end > a)) return s.day;
    }
    return undefined;
  }

  /** The part of the exchange's day the instant `ms` falls in (24x7: always regular). */
  partAt(ms: number): MarketPart {
    const s = this.sessionAt(ms);
    if (!s) return "closed";
    if (ms < s.open) return "pre";
    if (ms >= s.close) return "post";
    if (s.breakStart !== undefined && ms >= s.breakStart && ms < s.breakEnd!) return "closed";
    return "regular";
  }

  /** The session of `day` (YYYY-MM-DD), if the exchange trades that day. */
  sessionOn(day: string): Session | undefined {
    return this.year(Number(day.slice(0, 4))).find((s) => s.day === day);
  }

  /** `all` on an exchange: its calendar day, midnight to midnight in its zone, every day of the week. */
  private calendarDay(ms: number): SessionSpan {
    const day = marketDayAndMinute(ms, this.timeZone).day;
    return { day, ...dayWindow(day, this.timeZone) };
  }

  private year(y: number): Session[] {
    let list = this.years.get(y);
    if (!list) {
      list = this.x ? this.exchangeYear(y, this.x) : this.dailyYear(y);
      this.years.set(y, list);
    }
    return list;
  }

  private dailyYear(y: number): Session[] {
    const out: Session[] = [];
    for (let t = Date.UTC(y, 0, 1); new Date(t).getUTCFullYear() === y; t += DAY_MS) {
      const day = new Date(t).toISOString().slice(0, 10);
      const open = at(day, "00:00", this.timeZone);
      const close = at(addDays(day, 1), "00:00", this.timeZone);
      out.push({ day, open, close, preOpen: open, postClose: close });
    }
    return out;
  }

  private exchangeYear(y: number, x: ExchangeData): Session[] {
    const out: Session[] = [];
    const inData = (day: string) => day >= x.first && day <= x.last;
    let h = 0;
    for (let t = Date.UTC(y, 0, 1); new Date(t).getUTCFullYear() === y; t += DAY_MS) {
      const date = new Date(t);
      const day = date.toISOString().slice(0, 10);
      const weekday = (date.getUTCDay() + 6) % 7;
      const trades = inData(day)
        ? (x.weekmask[weekday] === "1" && !this.holidays.has(day)) || this.special.has(day)
        : x.weekmask[weekday] === "1";
      if (!trades) continue;
      // The hours in force: the last entry on or before the day (the first entry's before the data, the last's after).
      while (h + 1 < x.hours.length && x.hours[h + 1]![0]! <= day) h++;
      const hours = inData(day) ? x.hours[h]! : regularHours(x, day < x.first ? "first" : "last");
      out.push(this.session(day, hours));
    }
    return out;
  }

  private session(day: string, hours: string[]): Session {
    const tz = this.timeZone;
    const open = at(day, hours[1]!, tz);
    const close = at(day, hours[hours.length - 1]!, tz);
    const s: Session = { day, open, close, preOpen: open, postClose: close };
    if (hours.length === 5) {
      s.breakStart = at(day, hours[2]!, tz);
      s.breakEnd = at(day, hours[3]!, tz);
    }
    const ext = EXTENDED[this.name];
    if (ext) {
      s.preOpen = at(day, ext.pre, tz);
      s.postClose = at(day, hours[hours.length - 1]! < ext.earlyBefore ? ext.postEarly : ext.post, tz);
    }
    return s;
  }
}

/** An exchange's usual hours at one end of its data: the most common among its last (or first) entries. */
function regularHours(x: ExchangeData, end: "first" | "last"): string[] {
  const entries = end === "first" ? x.hours.slice(0, 8) : x.hours.slice(-8);
  const counts = new Map<string, number>();
  for (const e of entries) {
    const k = e.slice(1).join(" ");
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  // Early closes alternate with the usual hours: the usual ones close latest.
  const best = [...counts.keys()].sort((a, b) => (b.split(" ").at(-1)! > a.split(" ").at(-1)! ? 1 : -1))[0]!;
  return ["", ...best.split(" ")];
}

function spanOf(s: Session, mode: SessionMode): SessionSpan {
  if (mode === "extended") return { day: s.day, start: s.preOpen, end: s.postClose };
  return { day: s.day, start: s.open, end: s.close, breakStart: s.breakStart, breakEnd: s.breakEnd };
}

/**
 * Which calendar each symbol trades on: `patterns` maps a symbol, or a pattern with `*` (`*.HK`, `^HSI*`), to a
 * calendar; any other symbol is on `defaultName`. Calendars are made once and shared.
 */
export class CalendarBook {
  private readonly bySymbol = new Map<string, Calendar>();
  private readonly exact = new Map<string, string>();
  private readonly patterns: { re: RegExp; name: string }[] = [];

  constructor(
    private readonly defaultName: string,
    patterns: Record<string, string>,
    private readonly timeZone: string,
  ) {
    for (const [pattern, name] of Object.entries(patterns)) {
      if (!pattern.includes("*")) this.exact.set(pattern, name);
      else this.patterns.push({ re: symbolPattern([pattern]), name });
    }
  }

  /** The book of a market's settings (`market.calendar`, `market.calendars`, `market.timeZone`). */
  static forMarket(market: { calendar: string; calendars: Record<string, string>; timeZone: string }): CalendarBook {
    return new CalendarBook(market.calendar, market.calendars, market.timeZone);
  }

  calendar(name: string): Calendar {
    return Calendar.of(name, this.timeZone);
  }

  of(symbol: string): Calendar {
    let c = this.bySymbol.get(symbol);
    if (!c) {
      // An exact symbol first, then the first pattern that matches, then the default.
      c = this.calendar(this.exact.get(symbol) ?? this.patterns.find((p) => p.re.test(symbol))?.name ?? this.defaultName);
      this.bySymbol.set(symbol, c);
    }
    return c;
  }
}
