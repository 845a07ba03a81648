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

/** The tick of some fields (undefined ones left out), or the rejection that says why it is not one. */
export function tickEvent(fields: Record<string, unknown>): FeedEvent {
  for (const k of Object.keys(fields)) if (fields[k] === undefined) delete fields[k];
  const invalid = validateTick(fields);
  if (invalid) return { kind: "rejected", ...invalid };
  return { kind: "tick", tick: finalizeTick(fields as unknown as Tick) };
}
