/**
 * Tick v1: the one message format on the topic. JSON, UTF-8, one tick per Kafka message, key = symbol.
 * Type, validation, identity and codec live here and nowhere else.
 */
import { uuidFrom } from "./ids";
import { parseJsonObject } from "./json";
import { volumeProblem } from "./volume";

export const TICK_SCHEMA = "tick.v1";

export interface Tick {
  /** Upper case: AAPL, HSI, ^GSPC, 0700.HK */
  symbol: string;
  /** Event time, ISO-8601 UTC with milliseconds. */
  ts: string;
  /** Last price, > 0. */
  price: number;
  open?: number;
  high?: number;
  low?: number;
  close?: number;
  adjClose?: number;
  /** ≥ 0: a whole number, or a fractional size with at most 8 decimal places (see volume.ts). */
  volume?: number;
  bid?: number;
  ask?: number;
  /** A quote's sizes at the bid and the ask: ≥ 0, whole or fractional as a volume is (see volume.ts). */
  bidSize?: number;
  askSize?: number;
  currency?: string;
  /** Where it came from: csv:<file>, synthetic, http:<host>. */
  source?: string;
  /** Per-source sequence number. */
  seq?: number;
  /** Deterministic from (symbol, ts, source, seq): a re-sent tick is recognisably the same tick. */
  id?: string;
}

export const PRICE_FIELDS = ["open", "high", "low", "close", "adjClose", "bid", "ask"] as const;
/** A quote's sizes: checked as a volume is. */
export const SIZE_FIELDS = ["bidSize", "askSize"] as const;
/** The JSON key order of an encoded tick (stable, so the same tick is the same bytes). */
export const TICK_FIELDS = [
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
  "bidSize",
  "askSize",
  "currency",
  "source",
  "seq",
  "id",
] as const;
export type TickField = (typeof TICK_FIELDS)[number];

const TICK_FIELD_SET: ReadonlySet<string> = new Set(TICK_FIELDS);

export const SYMBOL_PATTERN = /^[A-Z0-9^][A-Z0-9.^=_:/-]{0,31}$/;
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Why a tick is invalid, as a short category for counting plus a detail for the user. */
export interface Invalid {
  reason: string;
  detail: string;
}

/**
 * An ISO-8601 time with a zone, as v1's form: UTC with milliseconds. Seconds only, fractions of 1–9 digits (cut to
 * milliseconds), `Z`, `+00:00`, `+0000` or another offset (converted to UTC) are what feeds and files send; a time
 * without a zone is ambiguous and refused.
 */
const ISO_ZONED = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:[.,](\d{1,9}))?([Zz]|[+-]\d{2}(?::?\d{2})?)$/;
export function canonicalTs(text: string): string | undefined {
  if (ISO_MS.test(text)) return Number.isNaN(Date.parse(text)) ? undefined : text;
  const m = ISO_ZONED.exec(text);
  if (!m) return undefined;
  const ms = (m[3] ?? "").slice(0, 3).padEnd(3, "0");
  let zone = m[4]!.toUpperCase();
  if (zone !== "Z" && !zone.includes(":")) zone = zone.length === 3 ? `${zone}:00` : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const parsed = Date.parse(`${m[1]}T${m[2]}.${ms}${zone}`);
  if (Number.isNaN(parsed)) return undefined;
  const out = new Date(parsed).toISOString();
  // Date.parse rolls 2024-02-30 over to March: a date that does not exist is refused, not moved.
  return zone === "Z" && out.slice(0, 10) !== m[1] ? undefined : out;
}

function problem(list: Invalid[] | undefined, reason: string, detail: string): Invalid[] {
  const out = list ?? [];
  out.push({ reason, detail });
  return out;
}

/**
 * Checks a tick against v1; returns undefined when valid, else every problem it has (the first one's reason is
 * what it is counted as). A `ts` in another ISO-8601 form with a zone is rewritten in place to v1's form.
 */
export function validateTick(t: Partial<Record<keyof Tick, unknown>>): Invalid | undefined {
  let p: Invalid[] | undefined;
  if (typeof t.symbol !== "string" || t.symbol.trim() === "") p = problem(p, "missing symbol", "missing symbol");
  else if (!SYMBOL_PATTERN.test(t.symbol))
    p = problem(
      p,
      "invalid symbol",
      `invalid symbol ${JSON.stringify(t.symbol)} (upper case letters, digits and . ^ = _ : / -, 32 at most)`,
    );
  const ts = typeof t.ts === "string" ? canonicalTs(t.ts) : undefined;
  if (ts === undefined)
    p = problem(p, "invalid ts", `ts ${JSON.stringify(t.ts)} is not an ISO-8601 time with a zone (e.g. 2024-01-02T14:33:00.000Z)`);
  else if (ts !== t.ts) t.ts = ts;
  if (typeof t.price !== "number" || !Number.isFinite(t.price))
    p = problem(p, "price not a number", `price ${JSON.stringify(t.price)} is not a number`);
  else if (t.price <= 0) p = problem(p, "price not > 0", `price must be > 0, got ${t.price}`);
  for (const f of PRICE_FIELDS) {
    const v = t[f];
    if (v === undefined) continue;
    if (typeof v !== "number" || !Number.isFinite(v)) p = problem(p, `${f} not a number`, `${f} ${JSON.stringify(v)} is not a number`);
    else if (v < 0) p = problem(p, `${f} negative`, `${f} must be ≥ 0, got ${v}`);
  }
  if (t.volume !== undefined) {
    const v = volumeProblem(t.volume);
    if (v) p = problem(p, v.reason, v.detail);
  }
  for (const f of SIZE_FIELDS) {
    if (t[f] === undefined) continue;
    const v = volumeProblem(t[f]);
    if (v) p = problem(p, v.reason.replace("volume", f), v.detail.replace("volume", f));
  }
  if (typeof t.high === "number" && typeof t.low === "number" && t.high < t.low)
    p = problem(p, "high < low", `high ${t.high} is below low ${t.low}`);
  if (t.currency !== undefined && (typeof t.currency !== "string" || !/^[A-Z]{3}$/.test(t.currency)))
    p = problem(p, "invalid currency", `currency ${JSON.stringify(t.currency)} is not a 3-letter code`);
  if (t.source !== undefined && typeof t.source !== "string") p = problem(p, "invalid source", "source must be a string");
  if (t.seq !== undefined && (typeof t.seq !== "number" || !Number.isSafeInteger(t.seq) || t.seq < 0))
    p = problem(p, "invalid seq", `seq ${JSON.stringify(t.seq)} is not a whole number ≥ 0`);
  if (t.id !== undefined && (typeof t.id !== "string" || !UUID.test(t.id)))
    p = problem(p, "invalid id", `id ${JSON.stringify(t.id)} is not a UUID`);
  if (!p) return undefined;
  return { reason: p[0]!.reason, detail: p.map((x) => x.detail).join("; ") };
}

/**
 * A tick stamped more than `maxFutureMs` after `nowMs` (the wall clock where it is produced or analyzed) cannot be
 * true: a vendor's bad clock or a typo. Why it is refused, or undefined.
 */
export function futureProblem(tsMs: number, nowMs: number, maxFutureMs: number): Invalid | undefined {
  const ahead = tsMs - nowMs;
  if (ahead <= maxFutureMs) return undefined;
  return {
    reason: "ts in the future",
    detail: `ts ${new Date(tsMs).toISOString()} is ${aheadText(ahead)} ahead of the clock (market.maxFutureMs allows ${aheadText(maxFutureMs)})`,
  };
}

function aheadText(ms: number): string {
  if (ms >= 2 * 86_400_000) return `${Math.floor(ms / 86_400_000).toLocaleString("en-US")} days`;
  if (ms >= 2 * 3_600_000) return `${Math.floor(ms / 3_600_000)} hours`;
  if (ms >= 600_000) return `${Math.floor(ms / 60_000)} minutes`;
  return `${ms / 1000} s`;
}

/** A UUID from the tick's identity: symbol, ts, source, seq. */
export function tickId(t: Pick<Tick, "symbol" | "ts" | "source" | "seq">): string {
  return uuidFrom("stockpipe.tick.v1", `${t.symbol}|${t.ts}|${t.source ?? ""}|${t.seq ?? ""}`);
}

/**
 * Fills in the id and returns the tick with its fields in the canonical order (TICK_FIELDS'). Written out field by
 * field: every source calls it once a tick, and a loop over the names with a spread cost ~8 µs a tick.
 */
export function finalizeTick(t: Tick): Tick {
  const out: Tick = { symbol: t.symbol, ts: t.ts, price: t.price };
  if (t.open !== undefined) out.open = t.open;
  if (t.high !== undefined) out.high = t.high;
  if (t.low !== undefined) out.low = t.low;
  if (t.close !== undefined) out.close = t.close;
  if (t.adjClose !== undefined) out.adjClose = t.adjClose;
  if (t.volume !== undefined) out.volume = t.volume;
  if (t.bid !== undefined) out.bid = t.bid;
  if (t.ask !== undefined) out.ask = t.ask;
  if (t.bidSize !== undefined) out.bidSize = t.bidSize;
  if (t.askSize !== undefined) out.askSize = t.askSize;
  if (t.currency !== undefined) out.currency = t.currency;
  if (t.source !== undefined) out.source = t.source;
  if (t.seq !== undefined) out.seq = t.seq;
  out.id = t.id ?? tickId(t);
  return out;
}

export function encodeTick(t: Tick): string {
  return JSON.stringify(t);
}

export type Decoded =
  | {
      ok: true;
      tick: Tick /** The message's bytes are not the tick's: its id was derived here, or its ts rewritten to v1's form. */;
      idDerived: boolean;
    }
  | { ok: false; reason: string; detail: string };

/**
 * Decodes a Kafka message value: JSON, then the v1 rules; unknown fields are rejected. A tick without an id (it
 * is optional in v1) gets the one derived from its identity, so every sink stores it under the same key on
 * every replay.
 */
export function decodeTick(value: Buffer | string | null | undefined): Decoded {
  if (value === null || value === undefined) return { ok: false, reason: "null value", detail: "message has no value" };
  const json = parseJsonObject(typeof value === "string" ? value : value.toString("utf8"));
  if (!json.ok) return json;
  const parsed = json.value;
  // Hot path (every consumed message): no array unless a field is unknown.
  let unknown: string[] | undefined;
  for (const k in parsed) {
    if (TICK_FIELD_SET.has(k)) continue;
    unknown ??= [];
    unknown.push(k);
  }
  if (unknown) return { ok: false, reason: "unknown field", detail: `unknown field(s): ${unknown.join(", ")}` };
  const ts = parsed.ts;
  const invalid = validateTick(parsed as Record<string, unknown>);
  if (invalid) return { ok: false, ...invalid };
  const tick = parsed as unknown as Tick;
  // A ts rewritten to v1's form makes the message's bytes stale, as a derived id does.
  const rewritten = tick.ts !== ts;
  if (tick.id !== undefined) return { ok: true, tick, idDerived: rewritten };
  tick.id = tickId(tick);
  return { ok: true, tick, idDerived: true };
}

export function toIsoMs(ms: number): string {
  return new Date(ms).toISOString();
}
