/**
 * Kraken's spot WebSocket API v2, `wss://ws.kraken.com/v2`: public, no key. The server first sends its status
 * (`{"channel":"status",…}`); the client subscribes (`{"method":"subscribe","params":{"channel":"trade",
 * "symbol":["BTC/USD",…],"snapshot":true}}`) and the server acknowledges each symbol (`{"method":"subscribe",
 * "success":true,"result":{"channel":"trade","symbol":"BTC/USD",…}}`, or `"success":false` with an `error`). Trades
 * come as `{"channel":"trade","type":"snapshot"|"update","data":[{"symbol","side","price","qty","ord_type",
 * "trade_id","timestamp"}…]}` — the snapshot being the latest trades, sent right after subscribing — and, in the
 * absence of other traffic, `{"channel":"heartbeat"}` about once a second: a feed that promises data.
 *
 * `trade_id` numbers the trades of a book one by one: it is the tick's `seq` and, with the symbol, its identity
 * (so a trade sent in a snapshot again, or fetched from the history, is the same tick). An id that skips is a gap,
 * across reconnections and restarts too. Its trades are fetched from the REST API's recent trades,
 * `GET /0/public/Trades?pair=&since=&count=` (trades after `since`, a Unix time in nanoseconds, ascending, at most
 * 1000 a page; each `[price, volume, time in seconds, side, type, misc, trade_id]`; `last`, the `since` of the next
 * page), from just before the last trade seen. A rate limit spent is said in the body
 * (`{"error":["EGeneral:Too many requests"]}`): the page is asked for again a second later.
 */
import { uuidFrom } from "../../model/ids";
import type { Tick } from "../../model/tick";
import { feedKit, feedSymbols, restField, symbolsField } from "../kit";
import { isoMs } from "./alpaca";
import { decimal, parseFrame, tickEvent } from "./frames";
import { advance, resumeIds } from "./repair";
import type { FeedEvent, FeedProtocol, FeedSession, IdGap, TradeHistory } from "./types";

export interface KrakenOptions {
  /** Kraken's v2 symbols: BTC/USD, ETH/EUR, … */
  symbols: string[];
  /** Overrides the endpoint (the beta, a test server). */
  url?: string;
  /** The REST API with the recent trades (default: the venue's). */
  rest?: string;
}

type Message = Record<string, unknown>;

/** The most trades one page of the history gives. */
const PAGE = 1000;
/** How long to wait when the history says its rate limit is spent. */
const THROTTLED_MS = 1000;

/** Per symbol: the last trade id seen, and its time (epoch ms), kept across connections. */
interface Last {
  ids: Map<string, number>;
  ms: Map<string, number>;
}

export function krakenFeed(o: KrakenOptions): FeedProtocol {
  const url = o.url ?? "wss://ws.kraken.com/v2";
  const last: Last = { ids: new Map(), ms: new Map() };
  return {
    name: "kraken",
    url,
    shownUrl: url,
    confirms: true,
    promisesData: true,
    resume(latest: readonly Tick[]) {
      resumeIds(last.ids, latest, "kraken", o.symbols);
      // The history is read by time: the time of each symbol's latest trade too.
      for (const t of latest) if (t.source === "kraken" && last.ids.get(t.symbol) === t.seq) last.ms.set(t.symbol, Date.parse(t.ts));
    },
    history: krakenHistory(o.rest ?? "https://api.kraken.com"),
    session(): FeedSession {
      const acknowledged = new Set<string>();
      return {
        opened: () => [JSON.stringify({ method: "subscribe", params: { channel: "trade", symbol: o.symbols, snapshot: true } })],
        receive: (frame) => decodeKraken(frame, o.symbols, last, acknowledged),
      };
    },
  };
}

export function decodeKraken(frame: string, symbols: string[], last: Last, acknowledged: Set<string>): FeedEvent[] {
  const parsed = parseFrame("kraken", frame);
  if (!parsed.ok) return [parsed.event];
  const m = parsed.value as Message;
  if (m?.channel === "trade" && Array.isArray(m.data)) return trades(m.data as Message[], last);
  if (m?.channel === "heartbeat" || m?.channel === "status" || m?.method === "pong") return [{ kind: "ignored" }];
  if (m?.method === "subscribe") return [acknowledgement(m, symbols, acknowledged)];
  return [{ kind: "rejected", reason: "unknown message", detail: `kraken message of unknown channel ${JSON.stringify(m?.channel)}` }];
}

/** A symbol's acknowledgement: subscribed once every symbol is; a refusal stops the feed. */
function acknowledgement(m: Message, symbols: string[], acknowledged: Set<string>): FeedEvent {
  if (m.success !== true)
    return {
      kind: "refused",
      message: `kraken refused the subscription${typeof m.symbol === "string" ? ` to ${m.symbol}` : ""}: ${String(m.error)}`,
      hint: "check --symbols: Kraken's v2 pairs, e.g. BTC/USD,ETH/EUR",
    };
  const symbol = (m.result as Message | undefined)?.symbol;
  if (typeof symbol === "string") acknowledged.add(symbol);
  return symbols.every((s) => acknowledged.has(s))
    ? { kind: "subscribed", detail: `trades of ${symbols.join(", ")}` }
    : { kind: "ignored" };
}

function trades(data: Message[], last: Last): FeedEvent[] {
  const events: FeedEvent[] = [];
  for (const t of data) {
    const ts = isoMs(t?.timestamp);
    const id = t?.trade_id;
    const symbol = t?.symbol;
    if (ts && typeof symbol === "string" && typeof id === "number" && Number.isSafeInteger(id)) {
      const before = last.ms.get(symbol);
      const gap = advance(last.ids, symbol, id, id - 1);
      // The history is read by time: from just before the last trade seen.
      if (gap?.kind === "gap" && gap.ids && before !== undefined) (gap.ids as IdGap).cursor = sinceOf(before);
      if (gap) events.push(gap);
      if (last.ids.get(symbol) === id) last.ms.set(symbol, Date.parse(ts));
    }
    events.push(tradeTick(t, ts, symbol));
  }
  return events;
}

/** A trade (streamed, or from the history) as a tick: its identity is its book and trade id. */
function tradeTick(t: Message, ts: string | undefined, symbol: unknown): FeedEvent {
  if (!ts)
    return {
      kind: "rejected",
      reason: "unparseable date",
      detail: `kraken trade time ${JSON.stringify(t?.timestamp ?? t?.time)} is not readable`,
    };
  return tickEvent({
    symbol,
    ts,
    price: decimal(t.price),
    volume: decimal(t.qty),
    source: "kraken",
    seq: t.trade_id,
    id: uuidFrom("stockpipe.trade.kraken", `${String(symbol)}|${String(t.trade_id)}`),
  });
}

/** A `since` (Unix nanoseconds, as text) a millisecond before `ms`. */
function sinceOf(ms: number): string {
  return `${ms - 1}000000`;
}

/**
 * The history's time, seconds as a JSON number with up to 9 decimals, as ISO-8601 milliseconds: read from its
 * digits, so that a time the stream sent as 2024-01-02T14:30:00.123456Z is .123 both ways.
 */
function secondsToIso(seconds: unknown): string | undefined {
  if (typeof seconds !== "number" || !Number.isFinite(seconds)) return undefined;
  const [whole, fraction = ""] = String(seconds).split(".");
  if (!whole || /e/i.test(String(seconds))) return undefined;
  return new Date(Number(whole) * 1000 + Number(fraction.padEnd(3, "0").slice(0, 3))).toISOString();
}

/** Kraken's recent trades of a pair, paged forward by time from just before the gap. */
export function krakenHistory(base: string): TradeHistory<IdGap> {
  return {
    shownUrl: base,
    request: (gap) =>
      // Without a time to start from (a resumed trade whose time could not be read): the latest page.
      `${base}/0/public/Trades?pair=${encodeURIComponent(gap.symbol.replace("/", ""))}${gap.cursor ? `&since=${gap.cursor}` : ""}&count=${PAGE}&assetVersion=1`,
    read({ body }, gap) {
      const b = body as Message;
      const errors = Array.isArray(b?.error) ? (b.error as unknown[]).map(String) : [];
      if (errors.some((e) => /too many requests|rate limit/i.test(e))) return { events: [], rest: gap, waitMs: THROTTLED_MS, again: true };
      const result = b?.result as Message | undefined;
      const key = result && Object.keys(result).find((k) => k !== "last");
      const list = key ? result[key] : undefined;
      if (errors.length || !Array.isArray(list))
        return {
          events: [
            { kind: "rejected", reason: "unknown message", detail: `kraken's trade history: ${errors.join("; ") || "no list of trades"}` },
          ],
        };
      const events = (list as unknown[][]).map((e) =>
        Array.isArray(e)
          ? tradeTick({ price: e[0], qty: e[1], time: e[2], trade_id: e[6] }, secondsToIso(e[2]), gap.symbol)
          : ({ kind: "rejected", reason: "unknown message", detail: `kraken history entry ${JSON.stringify(e)}` } as FeedEvent),
      );
      const ids = list.map((e) => (Array.isArray(e) ? e[6] : undefined)).filter((id): id is number => typeof id === "number");
      const next = typeof result?.last === "string" ? result.last : undefined;
      const more = ids.length > 0 && Math.max(...ids) < gap.last && next !== undefined && next !== gap.cursor;
      return { events, rest: more ? { ...gap, cursor: next } : undefined };
    },
  };
}

export const kraken = feedKit({
  kind: "kraken",
  summary: "Kraken's spot trades (WebSocket v2), gaps repaired from its REST recent trades",
  fields: { symbols: symbolsField("BTC/USD,ETH/EUR"), rest: restField },
  protocol: (s) => krakenFeed({ symbols: feedSymbols(s.symbols, "BTC/USD,ETH/EUR"), url: s.url, rest: s.rest }),
  recorded: (s) => ({ symbols: feedSymbols(s.symbols, "BTC/USD,ETH/EUR") }),
});
