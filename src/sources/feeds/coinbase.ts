/**
 * Coinbase Exchange's WebSocket feed, `wss://ws-feed.exchange.coinbase.com`: public, no key. The client
 * subscribes (`{"type":"subscribe","product_ids":[…],"channels":["matches","heartbeat"]}`) within 5 seconds of
 * connecting, and the server answers with `subscriptions` (the channels and products it took) or an `error`
 * (`message`, `reason`: "BTC-XYZ is not a valid product"). Each trade is a `match` (`last_match` for the latest one
 * right after subscribing): `trade_id`, `sequence`, `time` (RFC 3339, microseconds), `product_id`, `size` and
 * `price` as decimal text, `side`. The heartbeat channel sends, every second per product, the `last_trade_id`.
 *
 * A trade's `trade_id` is the tick's `seq`, so a trade received twice is the same tick. Trade ids rise by one per
 * product: a trade whose id skips, or a heartbeat whose last_trade_id is ahead of the last trade seen, means trades
 * were missed — counted as a gap (across reconnections too: the trades missed while disconnected are a gap).
 * `sequence` numbers every message of a product across all channels, so on the matches channel alone it skips by
 * design and is not used for gaps.
 *
 * A gap's trades are fetched from the REST API's trade history, `GET /products/{product_id}/trades`: the latest
 * trades first, at most `limit` (≤ 1000) a page, older pages by the `after` cursor (trades with an id below it;
 * the `cb-after` header gives the next one). Each trade has `trade_id`, `time`, `price` and `size` as decimal
 * text, and `side`, as in a match. The heartbeat channel's message every second per product makes the feed one
 * that promises data: a socket with no frame for `feeds.silenceMs` is replaced even if it answers pings.
 *
 * With quotes, the `ticker` channel too: on every change of a product's best bid or ask (and trade), `best_bid`,
 * `best_bid_size`, `best_ask`, `best_ask_size` as decimal text, `time`, and `sequence`, which with the product makes
 * the quote's identity.
 */
import { uuidFrom } from "../../model/ids";
import { feedKit, feedSymbols, quotesField, restField, symbolsField } from "../kit";
import { isoMs } from "./alpaca";
import { decimal, parseFrame, quoteEvent, tickEvent } from "./frames";
import { advance, resumeIds, size } from "./repair";
import type { FeedEvent, FeedProtocol, FeedSession, IdGap, TradeHistory } from "./types";

export interface CoinbaseOptions {
  /** Product ids: BTC-USD, ETH-EUR, … */
  symbols: string[];
  /** Overrides the endpoint (the sandbox, a test server). */
  url?: string;
  /** The REST API with the trade history (default: the venue's). */
  rest?: string;
  /** The top of the book too (the ticker channel), as quote ticks. */
  quotes?: boolean;
}

/** The most trades one page of the trade history gives. */
const PAGE = 1000;

type Message = Record<string, unknown>;

export function coinbaseFeed(o: CoinbaseOptions): FeedProtocol {
  const url = o.url ?? "wss://ws-feed.exchange.coinbase.com";
  // The last trade id seen per product, kept across connections.
  const lastTrade = new Map<string, number>();
  return {
    name: "coinbase",
    url,
    shownUrl: url,
    confirms: true,
    resume: (latest) => resumeIds(lastTrade, latest, "coinbase", o.symbols),
    promisesData: true,
    history: coinbaseHistory(o.rest ?? "https://api.exchange.coinbase.com"),
    session: (): FeedSession => ({
      opened: () => [
        JSON.stringify({ type: "subscribe", product_ids: o.symbols, channels: ["matches", "heartbeat", ...(o.quotes ? ["ticker"] : [])] }),
      ],
      receive: (frame) => decodeCoinbase(frame, o.symbols, lastTrade, o.quotes),
    }),
  };
}

export function decodeCoinbase(frame: string, symbols: string[], lastTrade: Map<string, number>, quotes = false): FeedEvent[] {
  const parsed = parseFrame("coinbase", frame);
  if (!parsed.ok) return [parsed.event];
  const m = parsed.value as Message;
  switch (m?.type) {
    case "match":
    case "last_match":
      return match(m, lastTrade);
    case "heartbeat":
      return heartbeat(m, lastTrade);
    case "ticker":
      if (quotes) return [tickerQuote(m)];
      break;
    case "subscriptions":
      return [subscriptions(m, symbols)];
    case "error":
      return [
        {
          kind: "refused",
          message: `coinbase refused the subscription: ${String(m.message)}${m.reason ? ` (${String(m.reason)})` : ""}`,
          hint: "check the product ids (BTC-USD, ETH-EUR, …) in --symbols",
        },
      ];
  }
  return [{ kind: "rejected", reason: "unknown message", detail: `coinbase message of unknown type ${JSON.stringify(m?.type)}` }];
}

/** A ticker message as a quote tick: the best bid and ask with their sizes. */
function tickerQuote(m: Message): FeedEvent {
  const ts = isoMs(m.time);
  if (!ts)
    return { kind: "rejected", reason: "unparseable date", detail: `coinbase ticker time ${JSON.stringify(m.time)} is not RFC 3339` };
  return quoteEvent({
    symbol: m.product_id,
    ts,
    bid: decimal(m.best_bid),
    ask: decimal(m.best_ask),
    bidSize: decimal(m.best_bid_size),
    askSize: decimal(m.best_ask_size),
    source: "coinbase:quotes",
    id: uuidFrom("stockpipe.quote.coinbase", `${String(m.product_id)}|${String(m.sequence)}`),
  });
}

function subscriptions(m: Message, symbols: string[]): FeedEvent {
  const channels = Array.isArray(m.channels) ? (m.channels as Message[]) : [];
  const matches = channels.find((c) => c?.name === "matches");
  const taken = new Set(Array.isArray(matches?.product_ids) ? (matches.product_ids as string[]) : []);
  const missing = symbols.filter((s) => !taken.has(s));
  if (missing.length)
    return { kind: "refused", message: `coinbase did not subscribe the matches of ${missing.join(", ")}`, hint: "check the product ids" };
  return { kind: "subscribed", detail: `matches of ${symbols.join(", ")}` };
}

function match(m: Message, lastTrade: Map<string, number>): FeedEvent[] {
  const ts = isoMs(m.time);
  const id = m.trade_id;
  // A trade whose time cannot be read is rejected alone; any other moves its product's last id, valid or not.
  if (ts && typeof m.product_id === "string" && typeof id === "number" && Number.isSafeInteger(id)) {
    const gap = advance(lastTrade, m.product_id, id, id - 1);
    if (gap) return [gap, matchTick(m, ts)];
  }
  return [matchTick(m, ts)];
}

/** A trade (a match, or an entry of the trade history) as a tick, `ts` its time read: the same fields either way. */
function matchTick(m: Message, ts: string | undefined, product = m.product_id): FeedEvent {
  if (!ts) return { kind: "rejected", reason: "unparseable date", detail: `coinbase trade time ${JSON.stringify(m.time)} is not RFC 3339` };
  return tickEvent({ symbol: product, ts, price: decimal(m.price), volume: decimal(m.size), source: "coinbase", seq: m.trade_id });
}

/** A heartbeat: a last_trade_id ahead of the last trade seen means trades were missed. */
function heartbeat(m: Message, lastTrade: Map<string, number>): FeedEvent[] {
  const id = m.last_trade_id;
  if (typeof m.product_id !== "string" || typeof id !== "number" || !Number.isSafeInteger(id)) return [{ kind: "ignored" }];
  return [advance(lastTrade, m.product_id, id, id) ?? { kind: "ignored" }];
}

/** The trade history of Coinbase Exchange's REST API, paged back from the gap's last id. */
export function coinbaseHistory(base: string): TradeHistory<IdGap> {
  return {
    shownUrl: base,
    request: (gap: IdGap) =>
      `${base}/products/${encodeURIComponent(gap.symbol)}/trades?after=${gap.last + 1}&limit=${Math.min(PAGE, size(gap))}`,
    read({ body }, gap) {
      if (!Array.isArray(body))
        return { events: [{ kind: "rejected", reason: "unknown message", detail: "coinbase's trade history did not answer a list" }] };
      const events = (body as Message[]).map(
        (t): FeedEvent =>
          t && typeof t === "object"
            ? matchTick(t, isoMs(t.time), gap.symbol)
            : { kind: "rejected", reason: "unknown message", detail: `coinbase history entry ${JSON.stringify(t)}` },
      );
      // Newest first: the next page goes on below the oldest id of this one.
      const ids = (body as Message[]).map((t) => t?.trade_id).filter((id): id is number => typeof id === "number");
      const oldest = Math.min(...ids);
      return { events, rest: ids.length && oldest > gap.first ? { ...gap, last: oldest - 1 } : undefined };
    },
  };
}

export const coinbase = feedKit({
  kind: "coinbase",
  summary: "Coinbase Exchange's trades (matches), gaps repaired from its REST trade history",
  fields: { symbols: symbolsField("BTC-USD,ETH-USD"), rest: restField, quotes: quotesField("the ticker channel") },
  protocol: (s) => coinbaseFeed({ symbols: feedSymbols(s.symbols, "BTC-USD,ETH-USD"), url: s.url, rest: s.rest, quotes: s.quotes }),
  recorded: (s) => ({ symbols: feedSymbols(s.symbols, "BTC-USD,ETH-USD"), quotes: s.quotes }),
});
