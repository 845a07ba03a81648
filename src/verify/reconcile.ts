/**
 * Reconciliation: per symbol and trading day, the ticks in Kafka (distinct ids) against the rows in a sink.
 * Missing: in Kafka, not in the sink. Duplicated: one id stored more than once. Differing: same id, other
 * values. Extra: in the sink, not in Kafka.
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

export function fingerprint(ts: string, price: number, volume: number | null | undefined): string {
  return `${ts}|${price}|${volume ?? ""}`;
}

export function reconcile(kafka: Iterable<Seen>, sink: Iterable<Seen>): DayCheck[] {
  const byDay = new Map<string, { symbol: string; day: string; kafka: Map<string, string>; sink: Map<string, string[]> }>();
  const slot = (s: Seen) => {
    return getOrCreate(byDay, `${s.symbol}|${s.day}`, () => ({ symbol: s.symbol, day: s.day, kafka: new Map(), sink: new Map() }));
  };
  for (const s of kafka) slot(s).kafka.set(s.id, s.fingerprint);
  for (const s of sink) {
    const d = slot(s);
    const list = d.sink.get(s.id);
    if (list) list.push(s.fingerprint);
    else d.sink.set(s.id, [s.fingerprint]);
  }
  const out: DayCheck[] = [];
  for (const d of byDay.values()) {
    let missing = 0;
    let duplicated = 0;
    let differing = 0;
    let extra = 0;
    let stored = 0;
    for (const [id, fp] of d.kafka) {
      const rows = d.sink.get(id);
      if (!rows) missing++;
      else if (rows.some((r) => r !== fp)) differing++;
    }
    for (const [id, rows] of d.sink) {
      stored += rows.length;
      if (rows.length > 1) duplicated += rows.length - 1;
      if (!d.kafka.has(id)) extra++;
    }
    out.push({ symbol: d.symbol, day: d.day, kafka: d.kafka.size, stored, missing, duplicated, differing, extra });
  }
  return out.sort((a, b) => a.symbol.localeCompare(b.symbol) || a.day.localeCompare(b.day));
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
    const r = getOrCreate(
      symbols,
      c.symbol,
      (): SymbolCheck => ({
        sink,
        symbol: c.symbol,
        days: 0,
        kafka: 0,
        stored: 0,
        missing: 0,
        duplicated: 0,
        differing: 0,
        extra: 0,
        status: "ok",
      }),
    );
    r.days++;
    r.kafka += c.kafka;
    r.stored += c.stored;
    r.missing += c.missing;
    r.duplicated += c.duplicated;
    r.differing += c.differing;
    r.extra += c.extra;
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
