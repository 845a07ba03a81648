/**
 * Which column holds which tick field. Common layouts are recognised by their header (case-insensitively,
 * ignoring spaces and underscores); the `map` option (field → column) maps anything else or overrides a guess.
 */
import { fieldError, UsageError } from "../../errors";
import { TICK_FIELDS, type TickField } from "../../model/tick";

/** Tick fields a column can hold: all but the ones the source sets (`source`) or derives (`id`). */
export type Mappable = Exclude<TickField, "source" | "id">;
export const MAPPABLE: readonly Mappable[] = TICK_FIELDS.filter((f): f is Mappable => f !== "source" && f !== "id");

export interface Layout {
  /** Which known layout the header matched, for the user's information. */
  name: string;
  /** Field → column index. */
  columns: Partial<Record<Mappable, number>>;
  /** Other columns that the layout says are numbers (checked so a cut-off row is caught). */
  numeric: number[];
  header: string[];
}

const norm = (s: string) =>
  s
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, "");

/** Header names each field is recognised by, in order of preference. */
const ALIASES: Record<Mappable, string[]> = {
  symbol: ["symbol", "ticker", "index", "code", "sym", "instrument"],
  ts: ["ts", "timestamp", "datetime", "time", "date", "tradedate"],
  price: ["price", "last", "lastprice", "trade", "close"],
  open: ["open"],
  high: ["high"],
  low: ["low"],
  close: ["close"],
  adjClose: ["adjclose", "adjustedclose"],
  volume: ["volume", "vol", "size", "qty", "quantity"],
  bid: ["bid", "bidprice"],
  ask: ["ask", "askprice", "offer"],
  bidSize: ["bidsize", "bidqty"],
  askSize: ["asksize", "askqty", "offersize"],
  currency: ["currency", "ccy"],
  seq: ["seq", "sequence"],
};

const KNOWN: { name: string; header: string[] }[] = [
  { name: "Kaggle Stock Exchange Data", header: ["index", "date", "open", "high", "low", "close", "adjclose", "volume", "closeusd"] },
  { name: "Yahoo Finance export", header: ["date", "open", "high", "low", "close", "adjclose", "volume"] },
  { name: "long price list", header: ["symbol", "date", "price"] },
];

/** Checks that every field the `map` option names is a tick field a column can hold. */
export function checkMap(map: Record<string, string>): Partial<Record<Mappable, string>> {
  for (const field of Object.keys(map))
    if (!(MAPPABLE as readonly string[]).includes(field))
      throw fieldError(UsageError, (n) => [`${n("map")}: unknown tick field "${field}"; the fields are ${MAPPABLE.join(", ")}`]);
  return map as Partial<Record<Mappable, string>>;
}

export function detectLayout(header: string[], map: Partial<Record<Mappable, string>>, fixedSymbol: string | undefined): Layout {
  const normalized = header.map(norm);
  const known = KNOWN.find((k) => k.header.length === normalized.length && k.header.every((h, i) => normalized[i] === h));
  const hasTickColumns = normalized.includes("symbol") && normalized.includes("ts") && normalized.includes("price");
  const name = known?.name ?? (hasTickColumns ? "tick file" : Object.keys(map).length ? "mapped" : "generic");
  const columns: Partial<Record<Mappable, number>> = {};
  const taken = new Set<number>();
  // Explicit mappings first, then aliases for what is left; `close` may also serve as `price`.
  for (const [field, column] of Object.entries(map) as [Mappable, string][]) {
    const idx = normalized.indexOf(norm(column));
    if (idx < 0)
      throw fieldError(UsageError, (n) => [
        `${n("map")} ${field}=${column}: no column "${column}" in the header (columns: ${header.join(", ")})`,
      ]);
    columns[field] = idx;
    taken.add(idx);
  }
  for (const field of MAPPABLE) {
    if (columns[field] !== undefined) continue;
    for (const alias of ALIASES[field]) {
      const idx = normalized.indexOf(alias);
      if (idx >= 0 && (!taken.has(idx) || (field === "close" && columns.price === idx))) {
        columns[field] = idx;
        taken.add(idx);
        break;
      }
    }
  }
  const missing: Mappable[] = [];
  if (columns.symbol === undefined && !fixedSymbol) missing.push("symbol");
  if (columns.ts === undefined) missing.push("ts");
  if (columns.price === undefined) missing.push("price");
  if (missing.length) {
    const suggestion = missing.map((m) => `${m}=<column>`).join(",");
    throw fieldError(UsageError, (n) => [
      `cannot map the CSV columns to ticks: no column for ${missing.map((m) => (m === "symbol" ? `symbol (or pass ${n("symbol")} SYM)` : m)).join(", ")}; the columns found are ${header.join(", ")}`,
      `pass ${n("map")} ${suggestion}${missing.includes("symbol") ? ` or ${n("symbol")} SYM` : ""}`,
    ]);
  }
  const numeric = known ? normalized.map((h, i) => (h === "closeusd" ? i : -1)).filter((i) => i >= 0) : [];
  return { name, columns, numeric, header };
}
