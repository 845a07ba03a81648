/**
 * Which column holds which tick field. Common layouts are recognised by their header (case-insensitively,
 * ignoring spaces and underscores); `--map field=column` maps anything else or overrides a guess.
 */
import { UsageError } from "../../errors";

export const MAPPABLE = [
  "symbol",
  "ts",
  "price",
  "open",
  "high",
  "low",
  "close",
  "adjClose",
  "volume",
  "bid",
  "ask",
  "currency",
  "seq",
] as const;
export type Mappable = (typeof MAPPABLE)[number];

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
  currency: ["currency", "ccy"],
  seq: ["seq", "sequence"],
};

const KNOWN: { name: string; header: string[] }[] = [
  { name: "Kaggle Stock Exchange Data", header: ["index", "date", "open", "high", "low", "close", "adjclose", "volume", "closeusd"] },
  { name: "Yahoo Finance export", header: ["date", "open", "high", "low", "close", "adjclose", "volume"] },
  { name: "long price list", header: ["symbol", "date", "price"] },
];

export function parseMapOption(map: string | undefined): Partial<Record<Mappable, string>> {
  const out: Partial<Record<Mappable, string>> = {};
  if (!map) return out;
  for (const pair of map
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = pair.indexOf("=");
    const field = pair.slice(0, eq).trim() as Mappable;
    if (eq <= 0 || !pair.slice(eq + 1).trim()) throw new UsageError(`--map entry "${pair}" must be field=column, e.g. price=Last`);
    if (!MAPPABLE.includes(field)) throw new UsageError(`--map: unknown tick field "${field}"; the fields are ${MAPPABLE.join(", ")}`);
    out[field] = pair.slice(eq + 1).trim();
  }
  return out;
}

export function detectLayout(header: string[], map: Partial<Record<Mappable, string>>, fixedSymbol: string | undefined): Layout {
  const normalized = header.map(norm);
  const known = KNOWN.find((k) => k.header.length === normalized.length && k.header.every((h, i) => normalized[i] === h));
  const hasTickColumns = normalized.includes("symbol") && normalized.includes("ts") && normalized.includes("price");
  const name = known?.name ?? (hasTickColumns ? "tick file" : Object.keys(map).length ? "mapped with --map" : "generic");
  const columns: Partial<Record<Mappable, number>> = {};
  const taken = new Set<number>();
  // Explicit mappings first, then aliases for what is left; `close` may also serve as `price`.
  for (const [field, column] of Object.entries(map) as [Mappable, string][]) {
    const idx = normalized.indexOf(norm(column));
    if (idx < 0) throw new UsageError(`--map ${field}=${column}: no column "${column}" in the header (columns: ${header.join(", ")})`);
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
  const missing: string[] = [];
  if (columns.symbol === undefined && !fixedSymbol) missing.push("symbol (or pass --symbol SYM)");
  if (columns.ts === undefined) missing.push("ts");
  if (columns.price === undefined) missing.push("price");
  if (missing.length) {
    const suggestion = missing.map((m) => `${m.split(" ")[0]}=<column>`).join(",");
    throw new UsageError(
      `cannot map the CSV columns to ticks: no column for ${missing.join(", ")}; the columns found are ${header.join(", ")}`,
      {
        hint: `pass --map ${suggestion}${missing.some((m) => m.startsWith("symbol")) ? " or --symbol SYM" : ""}`,
      },
    );
  }
  const numeric = known ? normalized.map((h, i) => (h === "closeusd" ? i : -1)).filter((i) => i >= 0) : [];
  return { name, columns, numeric, header };
}
