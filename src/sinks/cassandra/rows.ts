/**
 * Each record kind ↔ its Cassandra row, both directions, in one place: the sink writes with `*Row`, and the
 * dashboard's history and `verify` read back with `*FromRow`. Column order is the tables' (schema.ts).
 */
import cassandra from "cassandra-driver";
import type { Alert } from "../../model/alert";
import type { Bar } from "../../model/bar";
import type { Tick } from "../../model/tick";
import { volumeText } from "../../model/volume";
import { getOrCreate } from "../../util/maps";
import { ALERT_COLUMNS, ALL_ADDED, BAR_COLUMNS, presentColumns } from "./schema";

const { types } = cassandra;
type Row = cassandra.types.Row;

const localDates = new Map<string, cassandra.types.LocalDate>();
export function localDate(day: string): cassandra.types.LocalDate {
  if (localDates.size > 10_000 && !localDates.has(day)) localDates.clear();
  return getOrCreate(localDates, day, () => types.LocalDate.fromString(day));
}

/**
 * A tick's values in TICK_COLUMNS order (with bucket) or LATEST_COLUMNS order (without). Built directly: hot path.
 *
 * An absent field is `unset` in `ticks`, not null: a null writes a tombstone cell, and a synthetic or quote tick
 * leaves five of the sixteen columns empty, so every page of a read made Cassandra warn "Read 1000 live rows and
 * 5000 tombstone cells" (drain throughput did not change measurably). A tick's row is only ever written with the
 * same fields, so nothing stale can show through. `latest_ticks` keeps nulls: its one row per symbol is
 * overwritten by ticks that may carry different fields, and an unset column would keep an older tick's value.
 */
/** Which of the tick tables' added columns a row carries: volume_dec, and bid_size with ask_size. */
export interface TickColumns {
  fractional: boolean;
  sizes: boolean;
}
const ALL_TICK_COLUMNS: TickColumns = { fractional: true, sizes: true };

export function tickRow(t: Tick, ms: number, day: string, bucket: number | undefined, added = ALL_TICK_COLUMNS): unknown[] {
  const none = bucket === undefined ? null : types.unset;
  const head: unknown[] = [t.symbol, localDate(day)];
  if (bucket !== undefined) head.push(bucket);
  const whole = t.volume === undefined || Number.isInteger(t.volume);
  const row = [
    ...head,
    new Date(ms),
    types.Uuid.fromString(t.id!),
    t.price,
    t.open ?? none,
    t.high ?? none,
    t.low ?? none,
    t.close ?? none,
    t.adjClose ?? none,
    t.volume === undefined || !whole ? none : types.Long.fromNumber(t.volume),
    t.bid ?? none,
    t.ask ?? none,
    t.currency ?? none,
    t.source ?? none,
    t.seq === undefined ? none : types.Long.fromNumber(t.seq),
  ];
  if (added.fractional) row.push(whole ? none : decimal(t.volume!));
  if (added.sizes) row.push(t.bidSize ?? none, t.askSize ?? none);
  return row;
}

/** A fractional volume as Cassandra's decimal, from its exact decimal text. */
function decimal(volume: number): cassandra.types.BigDecimal {
  return types.BigDecimal.fromString(volumeText(volume));
}

/** The volume of a row: volume_dec when it holds one (fractional), else volume; undefined when neither. */
export function volumeOfRow(r: Row): number | undefined {
  const dec = r.get("volume_dec");
  if (dec != null) return Number(dec.toString());
  const volume = r.get("volume");
  return volume == null ? undefined : volume.toNumber();
}

/** The tick's number fields (beside price and volume) and their columns. */
const TICK_NUMBERS = [
  ["open", "open"],
  ["high", "high"],
  ["low", "low"],
  ["close", "close"],
  ["adjClose", "adj_close"],
  ["bid", "bid"],
  ["ask", "ask"],
  ["bidSize", "bid_size"],
  ["askSize", "ask_size"],
] as const;

/** The tick a `ticks` or `latest_ticks` row holds; only the selected columns are read (a tick's other fields stay unset). */
export function tickFromRow(r: Row): Tick {
  const t: Tick = { symbol: r.get("symbol"), ts: (r.get("ts") as Date).toISOString(), price: r.get("price") };
  const id = r.get("id");
  if (id != null) t.id = id.toString();
  for (const [field, column] of TICK_NUMBERS) {
    // A column not selected (or not in an older table) reads as undefined.
    const v = r.get(column);
    if (v != null) t[field] = v;
  }
  const volume = volumeOfRow(r);
  if (volume !== undefined) t.volume = volume;
  const seq = r.get("seq");
  if (seq != null) t.seq = seq.toNumber();
  const currency = r.get("currency");
  if (currency != null) t.currency = currency;
  const source = r.get("source");
  if (source != null) t.source = source;
  return t;
}

/** The columns a bar is read back from, for a SELECT (`present`: the added columns the live table has). */
export function barSelect(present: ReadonlySet<string> = ALL_ADDED): string {
  return presentColumns(BAR_COLUMNS, "bars", present)
    .map(([c]) => (c === "end" ? '"end"' : c))
    .join(", ");
}

/** A bar's values in BAR_COLUMNS order, without the added columns the table lacks; `day` is the trading day of its start. */
export function barRow(b: Bar, day: string, present: ReadonlySet<string> = ALL_ADDED): unknown[] {
  const start = Date.parse(b.start);
  const whole = Number.isInteger(b.volume);
  const row = [
    b.symbol,
    b.interval,
    localDate(day),
    new Date(start),
    new Date(b.end),
    b.open,
    b.high,
    b.low,
    b.close,
    whole ? types.Long.fromNumber(b.volume) : types.unset,
    b.vwap,
    types.Long.fromNumber(b.trades),
    types.Uuid.fromString(b.id),
  ];
  if (present.has("bars.volume_dec")) row.push(whole ? types.unset : decimal(b.volume));
  if (present.has("bars.session")) row.push(b.session ?? types.unset);
  return row;
}

export function barFromRow(r: Row): Bar {
  // In BAR_FIELDS order, as the analyzer makes a bar: the optional session before the id.
  const bar = {
    symbol: r.get("symbol"),
    interval: r.get("interval"),
    start: (r.get("start") as Date).toISOString(),
    end: (r.get("end") as Date).toISOString(),
    open: r.get("open"),
    high: r.get("high"),
    low: r.get("low"),
    close: r.get("close"),
    volume: volumeOfRow(r) ?? 0,
    vwap: r.get("vwap"),
    trades: r.get("trades").toNumber(),
  } as Bar;
  const session = r.get("session");
  if (session != null) bar.session = session;
  bar.id = r.get("id").toString();
  return bar;
}

/** The columns an alert is read back from, for a SELECT. */
export const ALERT_SELECT = ALERT_COLUMNS.map(([c]) => c).join(", ");

/** An alert's values in ALERT_COLUMNS order; `day` is the trading day of its time. */
export function alertRow(a: Alert, day: string): unknown[] {
  return [
    localDate(day),
    new Date(Date.parse(a.ts)),
    types.Uuid.fromString(a.id),
    a.symbol,
    a.rule,
    a.severity,
    a.value,
    a.threshold,
    a.message,
  ];
}

export function alertFromRow(r: Row): Alert {
  return {
    symbol: r.get("symbol"),
    ts: (r.get("ts") as Date).toISOString(),
    rule: r.get("rule"),
    severity: r.get("severity"),
    value: r.get("value"),
    threshold: r.get("threshold"),
    message: r.get("message"),
    id: r.get("id").toString(),
  };
}
