/** What every feed's decoder does alike: parse a frame, read a venue's decimal text, and make a tick event. */
import { finalizeTick, type Tick, validateTick } from "../../model/tick";
import type { FeedEvent } from "./types";

/** A frame's JSON, or the rejection that says it was not JSON. */
export function parseFrame(feed: string, frame: string): { ok: true; value: unknown } | { ok: false; event: FeedEvent } {
  try {
    return { ok: true, value: JSON.parse(frame) };
  } catch {
    return { ok: false, event: { kind: "rejected", reason: "not JSON", detail: `${feed} sent a frame that is not JSON` } };
  }
}

const DECIMAL = /^-?\d+(\.\d+)?$/;

/**
 * A venue's decimal text (`"400.23"`, `"0.00123000"`) as a number; anything else is handed on as it is, so
 * validation names the field and the value.
 */
export function decimal(v: unknown): unknown {
  return typeof v === "string" && DECIMAL.test(v) ? Number(v) : v;
}

/**
 * A quote (top of book) as a tick: bid and ask with their sizes, priced at their midpoint (without the binary
 * fraction's noise: 400.1 and 400.3 give 400.2), no volume. A quote has no id of the venue's: `id` is made by the
 * feed from what makes it this quote, so a quote received twice is one tick.
 */
export function quoteEvent(q: {
  symbol: unknown;
  ts: string;
  bid: unknown;
  ask: unknown;
  bidSize: unknown;
  askSize: unknown;
  source: string;
  id: string;
}): FeedEvent {
  const { bid, ask } = q;
  const price =
    typeof bid === "number" && typeof ask === "number" && bid > 0 && ask > 0 ? Math.round(((bid + ask) / 2) * 1e8) / 1e8 : undefined;
  return tickEvent({
    symbol: q.symbol,
    ts: q.ts,
    price: price ?? ask ?? bid,
    bid,
    ask,
    bidSize: q.bidSize,
    askSize: q.askSize,
    source: q.source,
    id: q.id,
  });
}

/** The tick of some fields (undefined ones left out), or the rejection that says why it is not one. */
export function tickEvent(fields: Record<string, unknown>): FeedEvent {
  for (const k of Object.keys(fields)) if (fields[k] === undefined) delete fields[k];
  const invalid = validateTick(fields);
  if (invalid) return { kind: "rejected", ...invalid };
  return { kind: "tick", tick: finalizeTick(fields as unknown as Tick) };
}
