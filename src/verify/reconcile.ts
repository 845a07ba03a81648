/**
 * Reconciliation: per symbol and trading day, the ticks in Kafka (distinct ids) against the rows in a sink.
 * Missing: in Kafka, not in the sink. Duplicated: one id stored more than once. Differing: same id, other
 * values. Extra: in the sink, not in Kafka.
 */
export interface Seen {
  symbol: string;
  day: string;
  id: string;
  /** What must match: ts, price, volume. */
  fingerprint: string;
}

export interface DayCheck {
  symbol: string;
  day: string;
  kafka: number;
  stored: number;
  missing: number;
  duplicated: number;
  differing: number;
  extra: number;
}

export function fingerprint(ts: string, price: number, volume: number | null | undefined): string {
  return `${ts}|${price}|${volume ?? ""}`;
}

export function reconcile(kafka: Iterable<Seen>, sink: Iterable<Seen>): DayCheck[] {
  const byDay = new Map<string, { symbol: string; day: string; kafka: Map<string, string>; sink: Map<string, string[]> }>();
  const slot = (s: Seen) => {
    const key = `${s.symbol}|${s.day}`;
    let d = byDay.get(key);
    if (!d) byDay.set(key, (d = { symbol: s.symbol, day: s.day, kafka: new Map(), sink: new Map() }));
    return d;
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
