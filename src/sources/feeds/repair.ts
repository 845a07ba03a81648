/**
 * Gap repair: the trades a feed never delivered, fetched from the venue's trade history over REST. A venue says
 * how to ask for a range of trade ids (or of time) and how to read a page (its `TradeHistory`); this module asks
 * page by page, within the limits (`feeds.repair`), honouring the venue's rate limits (see util/rest.ts), and
 * hands the trades back in order, made the same way a streamed trade is (so a trade that comes both ways is one
 * tick). A repair that fails leaves what it could not fetch reported as missing; it never stops the stream.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Tick } from "../../model/tick";
import { getJson } from "../../util/rest";
import { type FeedEvent, type GapReport, type IdGap, isIdGap, type TradeGap, type TradeHistory } from "./types";

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
  /** The trades fetched, in the order they were printed, and any the venue sent that were not valid ticks. */
  events: FeedEvent[];
  repaired: number;
  /** Ids of the gap still missing (0 for a gap by time), whether the gap is whole again, and if not why. */
  left: number;
  complete: boolean;
  why?: string;
  /** REST requests made (retries included). */
  calls: number;
}

export const size = (gap: IdGap) => gap.last - gap.first + 1;

/** Whether a tick belongs to the gap: its id in the range, or its time within the window (to the millisecond). */
function within(gap: TradeGap): (tick: Tick) => boolean {
  if (isIdGap(gap)) {
    const { first, last } = gap;
    return (tick) => Number(tick.seq) >= first && Number(tick.seq) <= last;
  }
  const [from, to] = [Date.parse(gap.from), Date.parse(gap.to)];
  return (tick) => {
    const ms = Date.parse(tick.ts);
    return ms >= from && ms <= to;
  };
}

/** Fetches the gap's trades from the history, within the limits. */
export async function repairGap<G extends TradeGap>(
  history: TradeHistory<G>,
  gap: G,
  limits: RepairLimits,
  signal?: AbortSignal,
): Promise<Repair> {
  const deadline = Date.now() + limits.maxSeconds * 1000;
  const byId = isIdGap(gap);
  const wanted: G = isIdGap(gap) ? { ...gap, last: Math.min(gap.last, gap.first + limits.maxTrades - 1) } : gap;
  const belongs = within(wanted);
  let why = isIdGap(gap) && size(gap) > limits.maxTrades ? `more than feeds.repair.maxTrades (${limits.maxTrades}) missed` : undefined;
  let cut = false;
  // Keyed by the tick's id: a trade a page repeats (pages by time overlap at their edges) counts once.
  const ticks = new Map<string, Tick>();
  const rejected: FeedEvent[] = [];
  let calls = 0;
  let part: G | undefined = wanted;
  while (part) {
    if (signal?.aborted) {
      why ??= "stopped";
      cut = true;
      break;
    }
    const answer = await getJson(history.request(part), { deadline, signal, headers: history.headers, onCall: () => calls++ });
    if (!answer.ok) {
      why ??= `${history.shownUrl}: ${answer.reason}`;
      cut = true;
      break;
    }
    const page = history.read(answer, part);
    if (page.again) {
      if (Date.now() + (page.waitMs ?? 0) > deadline) {
        why ??= `the history's rate limit was spent for longer than feeds.repair.maxSeconds (${limits.maxSeconds})`;
        cut = true;
        break;
      }
      await sleep(page.waitMs ?? 0, undefined, { signal }).catch(() => {});
      continue;
    }
    let gained = false;
    for (const e of page.events) {
      if (e.kind === "tick") {
        if (belongs(e.tick) && !ticks.has(e.tick.id!)) {
          ticks.set(e.tick.id!, e.tick);
          gained = true;
        }
      } else if (e.kind === "rejected") rejected.push(e);
    }
    // A page that brought nothing new ends the repair: the history does not have the rest.
    if (!gained) break;
    part = page.rest;
    if (part && !byId && ticks.size >= limits.maxTrades) {
      why ??= `more than feeds.repair.maxTrades (${limits.maxTrades}) printed in the time`;
      cut = true;
      break;
    }
    if (part && page.waitMs) {
      if (Date.now() + page.waitMs > deadline) {
        why ??= `the history's rate limit was spent for longer than feeds.repair.maxSeconds (${limits.maxSeconds})`;
        cut = true;
        break;
      }
      await sleep(page.waitMs, undefined, { signal }).catch(() => {});
    }
    if (part && Date.now() > deadline) {
      why ??= `feeds.repair.maxSeconds (${limits.maxSeconds}) ran out`;
      cut = true;
      break;
    }
  }
  let found = [...ticks.values()];
  found.sort(byId ? (a, b) => Number(a.seq) - Number(b.seq) : (a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
  // A page may bring more than the limit: the earliest trades up to it are kept.
  if (found.length > limits.maxTrades) found = found.slice(0, limits.maxTrades);
  const left = isIdGap(gap) ? size(gap) - found.length : 0;
  if (left > 0) why ??= `${history.shownUrl} did not have them`;
  const complete = byId ? left === 0 : !cut;
  const events: FeedEvent[] = found.map((tick) => ({ kind: "tick", tick }));
  return { events: [...events, ...rejected], repaired: found.length, left, complete, why: complete ? undefined : why, calls };
}

/** A gap as reported when nothing was fetched for it (no history, repair off, or a replay of an old recording). */
export function unrepaired(e: Extract<FeedEvent, { kind: "gap" }>): GapReport {
  return { detail: e.detail, missed: e.missed, repaired: 0, left: e.missed, calls: 0, complete: false };
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

/** Sets each symbol's last trade id from the latest ticks of this source already in the topic (a previous run). */
export function resumeIds(lastTrade: Map<string, number>, latest: readonly Tick[], source: string, symbols: readonly string[]): void {
  for (const t of latest) {
    if (t.source !== source || !symbols.includes(t.symbol) || typeof t.seq !== "number" || !Number.isSafeInteger(t.seq)) continue;
    if (t.seq > (lastTrade.get(t.symbol) ?? Number.NEGATIVE_INFINITY)) lastTrade.set(t.symbol, t.seq);
  }
}
