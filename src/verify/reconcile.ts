/**
 * Reconciliation: per symbol and trading day, the records of a topic against the rows in a sink, by id.
 * kafka: records in the topic. Stored: rows. Missing: records of the topic whose id has no row. Duplicated: rows of
 * an id beyond as many as the topic holds (one, unless the topic itself holds the record more than once).
 * Differing: ids with a row whose values no record of the id has. Extra: rows whose id the topic does not hold.
 * Equal digests (digest.ts) of a symbol-day mean all four are 0.
 */
import { getOrCreate } from "../util/maps";
export interface Seen {
  symbol: string;
  day: string;
  id: string;
  /** What must match: ts, price, volume. */
  fingerprint: string;
}

export type DayCheck = {
  symbol: string;
  day: string;
  kafka: number;
  stored: number;
  missing: number;
  duplicated: number;
  differing: number;
  extra: number;
};

/** A check's counts, without where they were taken. */
type Counts = Omit<DayCheck, "symbol" | "day">;

export function fingerprint(ts: string, price: number, volume: number | null | undefined): string {
  return `${ts}|${price}|${volume ?? ""}`;
}

type Side = Map<string, string[]>;

function push(side: Side, s: Seen): void {
  const list = side.get(s.id);
  if (list) list.push(s.fingerprint);
  else side.set(s.id, [s.fingerprint]);
}

/** A symbol-day's check with every count 0. */
export function emptyCheck(symbol: string, day: string): DayCheck {
  return { symbol, day, kafka: 0, stored: 0, missing: 0, duplicated: 0, differing: 0, extra: 0 };
}

/** One symbol-day's records in the topic against its rows in the sink. */
function checkDay(symbol: string, day: string, kafka: Side, sink: Side): DayCheck {
  const c = emptyCheck(symbol, day);
  for (const [id, fps] of kafka) {
    c.kafka += fps.length;
    const rows = sink.get(id);
    if (!rows) c.missing += fps.length;
    else {
      if (rows.some((r) => !fps.includes(r))) c.differing++;
      c.duplicated += Math.max(0, rows.length - fps.length);
    }
  }
  for (const [id, rows] of sink) {
    c.stored += rows.length;
    if (!kafka.has(id)) c.extra += rows.length;
  }
  return c;
}

export function reconcile(kafka: Iterable<Seen>, sink: Iterable<Seen>): DayCheck[] {
  const byDay = new Map<string, { symbol: string; day: string; kafka: Side; sink: Side }>();
  const slot = (s: Seen) =>
    getOrCreate(byDay, `${s.symbol}|${s.day}`, () => ({ symbol: s.symbol, day: s.day, kafka: new Map(), sink: new Map() }));
  for (const s of kafka) push(slot(s).kafka, s);
  for (const s of sink) push(slot(s).sink, s);
  const out = [...byDay.values()].map((d) => checkDay(d.symbol, d.day, d.kafka, d.sink));
  return out.sort((a, b) => a.symbol.localeCompare(b.symbol) || a.day.localeCompare(b.day));
}

/** Adds a slice's check of a symbol-day to the check of the whole day (every count is a sum over ids). */
export function addCheck(into: Counts, c: Counts): void {
  into.kafka += c.kafka;
  into.stored += c.stored;
  into.missing += c.missing;
  into.duplicated += c.duplicated;
  into.differing += c.differing;
  into.extra += c.extra;
}

export function isClean(c: DayCheck): boolean {
  return c.missing === 0 && c.duplicated === 0 && c.differing === 0 && c.extra === 0;
}

/** One sink and symbol: the day checks summed, and how many days there were. */
export type SymbolCheck = Omit<DayCheck, "day"> & { sink: string; days: number; status: "ok" | "MISMATCH" };

/** The day checks of one sink, summed per symbol, and the days that do not match. */
export function bySymbol(sink: string, checks: DayCheck[]): { symbols: SymbolCheck[]; problems: (DayCheck & { sink: string })[] } {
  const symbols = new Map<string, SymbolCheck>();
  const problems: (DayCheck & { sink: string })[] = [];
  for (const c of checks) {
    const r = getOrCreate(symbols, c.symbol, (): SymbolCheck => {
      const { day: _day, ...counts } = emptyCheck(c.symbol, "");
      return { sink, ...counts, days: 0, status: "ok" };
    });
    r.days++;
    addCheck(r, c);
    if (!isClean(c)) {
      r.status = "MISMATCH";
      problems.push({ ...c, sink });
    }
  }
  return { symbols: [...symbols.values()], problems };
}

/** Symbol-days a store holds that the topic does not carry at all (another topic writes to the same store). */
export interface Outside {
  sink: string;
  symbols: string[];
  days: number;
  rows: number;
}

/** Splits the day checks into the topic's own symbol-days and those it never carried. */
export function ownDays(sink: string, checks: DayCheck[]): { own: DayCheck[]; outside: Outside | undefined } {
  const own = checks.filter((c) => c.kafka > 0);
  const other = checks.filter((c) => c.kafka === 0);
  if (other.length === 0) return { own, outside: undefined };
  return {
    own,
    outside: {
      sink,
      symbols: [...new Set(other.map((c) => c.symbol))].sort(),
      days: other.length,
      rows: other.reduce((n, c) => n + c.stored, 0),
    },
  };
}
