/**
 * Gap repair: the trades a feed never delivered, fetched from the venue's trade history over REST. A venue says
 * how to ask for a range of trade ids and how to read a page (its `TradeHistory`); this module asks page by page,
 * within the limits (`feeds.repair`), honouring the venue's rate limits (see util/rest.ts), and hands the trades
 * back in id order, made the same way a streamed trade is (so a trade that comes both ways is one tick). A repair
 * that fails leaves what it could not fetch reported as missing; it never stops the stream.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Tick } from "../../model/tick";
import { getJson } from "../../util/rest";
import type { FeedEvent, IdGap, TradeHistory } from "./types";

export type { IdGap, TradeHistory };

/** How far a repair may go (config `feeds.repair`). */
export interface RepairLimits {
  /** Off: gaps are only reported. */
  enabled: boolean;
  /** The most trades one gap's repair fetches; the rest are reported missing. */
  maxTrades: number;
  /** The longest one gap's repair may take, waits for the venue included. */
  maxSeconds: number;
}

/** What one gap's repair did. */
export interface Repair {
  /** The trades fetched, ascending by id, and any the venue sent that were not valid ticks. */
  events: FeedEvent[];
  repaired: number;
  /** Ids of the gap still missing, and why. */
  left: number;
  why?: string;
  /** REST requests made (retries included). */
  calls: number;
}

export const size = (gap: IdGap) => gap.last - gap.first + 1;

/** Fetches the gap's trades from the history, within the limits. */
export async function repairGap(history: TradeHistory, gap: IdGap, limits: RepairLimits, signal?: AbortSignal): Promise<Repair> {
  const deadline = Date.now() + limits.maxSeconds * 1000;
  const wanted: IdGap = { ...gap, last: Math.min(gap.last, gap.first + limits.maxTrades - 1) };
  let why = wanted.last < gap.last ? `more than feeds.repair.maxTrades (${limits.maxTrades}) missed` : undefined;
  const ticks = new Map<number, Tick>();
  const rejected: FeedEvent[] = [];
  let calls = 0;
  let part: IdGap | undefined = wanted;
  while (part) {
    if (signal?.aborted) {
      why ??= "stopped";
      break;
    }
    const answer = await getJson(history.request(part), { deadline, signal, headers: history.headers, onCall: () => calls++ });
    if (!answer.ok) {
      why ??= `${history.shownUrl}: ${answer.reason}`;
      break;
    }
    const page = history.read(answer, part);
    let gained = false;
    for (const e of page.events) {
      if (e.kind === "tick") {
        const id = Number(e.tick.seq);
        if (id >= wanted.first && id <= wanted.last && !ticks.has(id)) {
          ticks.set(id, e.tick);
          gained = true;
        }
      } else if (e.kind === "rejected") rejected.push(e);
    }
    // A page that brought nothing new ends the repair: the history does not have the rest.
    if (!gained) break;
    part = page.rest;
    if (part && page.waitMs) {
      if (Date.now() + page.waitMs > deadline) {
        why ??= `the history's rate limit was spent for longer than feeds.repair.maxSeconds (${limits.maxSeconds})`;
        break;
      }
      await sleep(page.waitMs, undefined, { signal }).catch(() => {});
    }
    if (part && Date.now() > deadline) {
      why ??= `feeds.repair.maxSeconds (${limits.maxSeconds}) ran out`;
      break;
    }
  }
  const left = size(gap) - ticks.size;
  if (left > 0) why ??= `${history.shownUrl} did not have them`;
  const events: FeedEvent[] = [...ticks.entries()].sort((a, b) => a[0] - b[0]).map(([, tick]) => ({ kind: "tick", tick }));
  return { events: [...events, ...rejected], repaired: ticks.size, left, why: left > 0 ? why : undefined, calls };
}

/** The trade ids `first`–`last` as a phrase. */
export function idRange(gap: IdGap): string {
  return gap.last > gap.first ? `trade ids ${gap.first}–${gap.last}` : `trade id ${gap.first}`;
}

/**
 * Moves a symbol's last trade id to `id`; the gap when ids after the last one and up to `upTo` were never seen.
 * The first id of a symbol (or an older one, sent again) only sets where counting starts.
 */
export function advance(lastTrade: Map<string, number>, symbol: string, id: number, upTo: number): FeedEvent | undefined {
  const last = lastTrade.get(symbol);
  if (last !== undefined && id <= last) return undefined;
  lastTrade.set(symbol, id);
  if (last === undefined || upTo <= last) return undefined;
  const ids: IdGap = { symbol, first: last + 1, last: upTo };
  return { kind: "gap", missed: size(ids), detail: `${symbol}: ${idRange(ids)} never arrived`, ids };
}
