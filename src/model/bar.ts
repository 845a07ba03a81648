/**
 * Bar v1: one OHLCV bar of a symbol over one window of event time. JSON, key = symbol, header `schema: bar.v1`,
 * on `<topic>.bars.<interval>`. A bar is final: it is emitted once, when its partition's watermark passes `end`.
 */
import { uuidFrom } from "./ids";
import { parseJsonObject } from "./json";
import { SYMBOL_PATTERN } from "./tick";
import { volumeProblem } from "./volume";

export const BAR_SCHEMA = "bar.v1";

export interface Bar {
  symbol: string;
  /** `1s`, `1m`, `5m`, `1h`, `1d`, … */
  interval: string;
  /** The window in event time, ISO-8601 UTC: [start, end). */
  start: string;
  end: string;
  /** Price of the first tick by event time (ties: the earlier offset). */
  open: number;
  high: number;
  low: number;
  /** Price of the last tick by event time (ties: the later offset). */
  close: number;
  /** Σ volume of the window's ticks (a tick without volume counts 0), exact: fractional when theirs are. */
  volume: number;
  /** Σ price·volume / Σ volume; the mean price when the window has no volume. */
  vwap: number;
  /** Ticks in the window. */
  trades: number;
  /**
   * The trading day (YYYY-MM-DD, on the symbol's exchange calendar) the bar belongs to: a 1d bar's session; for a
   * shorter bar, the session its window overlaps (absent when it overlaps none: overnight, a weekend, a holiday).
   * Absent in bars made before calendars.
   */
  session?: string;
  /** Deterministic from (symbol, interval, start). */
  id: string;
}

export const BAR_FIELDS = [
  "symbol",
  "interval",
  "start",
  "end",
  "open",
  "high",
  "low",
  "close",
  "volume",
  "vwap",
  "trades",
  "session",
  "id",
] as const;

export function barId(symbol: string, interval: string, start: string): string {
  return uuidFrom("stockpipe.bar.v1", `${symbol}|${interval}|${start}`);
}

/** The bar as JSON, fields in BAR_FIELDS order (a bar made by the analyzer has them in that order already). */
export function encodeBar(b: Bar): string {
  return JSON.stringify(b);
}

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Checks a decoded bar against v1; returns why it is invalid, or undefined. */
export function barProblem(b: Record<string, unknown>): string | undefined {
  const unknown = Object.keys(b).filter((k) => !(BAR_FIELDS as readonly string[]).includes(k));
  if (unknown.length) return `unknown field(s): ${unknown.join(", ")}`;
  if (typeof b.symbol !== "string" || !SYMBOL_PATTERN.test(b.symbol)) return `invalid symbol ${JSON.stringify(b.symbol)}`;
  if (typeof b.interval !== "string" || !/^\d+[smhd]$/.test(b.interval)) return `invalid interval ${JSON.stringify(b.interval)}`;
  for (const f of ["start", "end"] as const)
    if (typeof b[f] !== "string" || !ISO_MS.test(b[f] as string))
      return `${f} ${JSON.stringify(b[f])} is not ISO-8601 UTC with milliseconds`;
  for (const f of ["open", "high", "low", "close", "vwap"] as const)
    if (typeof b[f] !== "number" || !Number.isFinite(b[f]) || (b[f] as number) <= 0)
      return `${f} ${JSON.stringify(b[f])} is not a price > 0`;
  const volume = volumeProblem(b.volume);
  if (volume) return volume.detail;
  if (typeof b.trades !== "number" || !Number.isSafeInteger(b.trades) || b.trades < 0)
    return `trades ${JSON.stringify(b.trades)} is not a whole number ≥ 0`;
  if ((b.high as number) < (b.low as number)) return `high ${b.high} is below low ${b.low}`;
  if (b.session !== undefined && (typeof b.session !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(b.session)))
    return `session ${JSON.stringify(b.session)} is not a date YYYY-MM-DD`;
  if (typeof b.id !== "string") return "missing id";
  return undefined;
}

export type DecodedBar = { ok: true; bar: Bar } | { ok: false; reason: string; detail: string };

export function decodeBar(text: string): DecodedBar {
  const parsed = parseJsonObject(text);
  if (!parsed.ok) return parsed;
  const problem = barProblem(parsed.value);
  return problem ? { ok: false, reason: "invalid bar", detail: problem } : { ok: true, bar: parsed.value as unknown as Bar };
}
