/**
 * Any JSON WebSocket feed: an optional subscribe message sent on every connection, a map of tick field → dotted
 * path into each record, and an optional path to the array of records in a frame (else the frame is one record).
 * Frames without a price at the mapped path (acknowledgements, heartbeats) are skipped, not rejected.
 */

import { z } from "zod";
import { fieldError, UsageError } from "../../errors";
import { parseMarketDate } from "../../model/time";
import { secret } from "../../util/fields";
import { getPath } from "../http";
import { feedKit } from "../kit";
import { parseFrame, tickEvent } from "./frames";
import type { FeedEvent, FeedProtocol } from "./types";

export interface GenericOptions {
  url: string;
  /** Sent on every connection (a subscription), as it is. */
  subscribe?: string;
  /** Tick field → dotted path in a record: at least price and ts; symbol unless `symbol` is fixed. */
  map: Record<string, string>;
  records?: string;
  /** The symbol of a feed whose records do not carry one. */
  symbol?: string;
  timeZone: string;
}

/** The URL as it may be shown: query parameters often carry keys, so their names stay and their values are hidden. */
function shown(url: string): string {
  try {
    const u = new URL(url);
    for (const k of [...u.searchParams.keys()]) u.searchParams.set(k, "***");
    return u.toString();
  } catch {
    // Not a URL: the connection will say so.
    return url;
  }
}

export function genericFeed(o: GenericOptions): FeedProtocol {
  return {
    name: "ws",
    url: o.url,
    shownUrl: shown(o.url),
    confirms: false,
    session: () => ({ opened: () => (o.subscribe ? [o.subscribe] : []), receive: (frame) => decodeGeneric(frame, o) }),
  };
}

const num = (v: unknown) => (typeof v === "string" && v.trim() !== "" && !Number.isNaN(Number(v)) ? Number(v) : v);

export function decodeGeneric(frame: string, o: Pick<GenericOptions, "map" | "records" | "symbol" | "timeZone">): FeedEvent[] {
  const parsed = parseFrame("the feed", frame);
  if (!parsed.ok) return [parsed.event];
  const body = parsed.value;
  const records = o.records ? getPath(body, o.records) : body;
  if (records === undefined) return [{ kind: "ignored" }];
  const list = Array.isArray(records) ? records : [records];
  return list.map((r): FeedEvent => {
    const price = getPath(r, o.map.price ?? "price");
    if (price === undefined) return { kind: "ignored" };
    const rawTs = getPath(r, o.map.ts ?? "ts");
    const ms =
      typeof rawTs === "number"
        ? rawTs < 1e11
          ? rawTs * 1000
          : rawTs
        : typeof rawTs === "string"
          ? parseMarketDate(rawTs, o.timeZone)
          : undefined;
    if (ms === undefined) return { kind: "rejected", reason: "unparseable date", detail: `cannot read the time ${JSON.stringify(rawTs)}` };
    const fields: Record<string, unknown> = { ts: new Date(ms).toISOString(), price: num(price), source: "ws" };
    for (const [field, path] of Object.entries(o.map)) {
      if (field === "price" || field === "ts") continue;
      const v = getPath(r, path);
      if (v !== undefined && v !== null) fields[field] = field === "symbol" || field === "currency" || field === "id" ? v : num(v);
    }
    fields.symbol ??= o.symbol;
    if (typeof fields.symbol === "string") fields.symbol = fields.symbol.toUpperCase();
    return tickEvent(fields);
  });
}

export const ws = feedKit({
  kind: "ws",
  summary: "any JSON WebSocket feed, through a map of tick fields to dotted paths",
  fields: {
    url: secret(z.string({ error: "is needed: the feed's wss:// URL" }).min(1).describe("The feed's URL (ws:// or wss://)"), "url"),
    subscribe: z.string().min(1).optional().describe("Sent on every connection, as it is (a subscription)"),
    map: z
      .record(z.string(), z.string())
      .default({})
      .describe("Tick field → dotted path in each record: at least price and ts, and symbol unless `symbol` is set"),
    records: z.string().min(1).optional().describe("Dotted path to the array of records in a frame (else the frame is one record)"),
    symbol: z.string().min(1).optional().describe("The symbol of a feed whose records carry none"),
  },
  protocol(s, o) {
    if (!s.map.price || !s.map.ts)
      throw fieldError(UsageError, (n) => [`${n("map")} needs at least price=… and ts=… (dotted paths into each record)`]);
    if (!s.map.symbol && !s.symbol) throw fieldError(UsageError, (n) => [`${n("map")} needs symbol=… (or pass ${n("symbol")})`]);
    return genericFeed({
      url: s.url,
      subscribe: s.subscribe,
      map: s.map,
      records: s.records,
      symbol: s.symbol?.toUpperCase(),
      timeZone: o.timeZone,
    });
  },
  recorded: (s) => ({ url: shown(s.url), map: s.map, records: s.records, symbol: s.symbol?.toUpperCase() }),
});
