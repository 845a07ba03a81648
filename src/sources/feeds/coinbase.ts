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
 */
import { isoMs } from "./alpaca";
import { decimal, parseFrame, tickEvent } from "./frames";
import type { FeedEvent, FeedProtocol, FeedSession } from "./types";

export interface CoinbaseOptions {
  /** Product ids: BTC-USD, ETH-EUR, … */
  symbols: string[];
  /** Overrides the endpoint (the sandbox, a test server). */
  url?: string;
}

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
    session: (): FeedSession => ({
      opened: () => [JSON.stringify({ type: "subscribe", product_ids: o.symbols, channels: ["matches", "heartbeat"] })],
      receive: (frame) => decodeCoinbase(frame, o.symbols, lastTrade),
    }),
  };
}

export function decodeCoinbase(frame: string, symbols: string[], lastTrade: Map<string, number>): FeedEvent[] {
  const parsed = parseFrame("coinbase", frame);
  if (!parsed.ok) return [parsed.event];
  const m = parsed.value as Message;
  switch (m?.type) {
    case "match":
    case "last_match":
      return match(m, lastTrade);
    case "heartbeat":
      return heartbeat(m, lastTrade);
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
    default:
      return [{ kind: "rejected", reason: "unknown message", detail: `coinbase message of unknown type ${JSON.stringify(m?.type)}` }];
  }
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
  if (!ts)
    return [{ kind: "rejected", reason: "unparseable date", detail: `coinbase trade time ${JSON.stringify(m.time)} is not RFC 3339` }];
  const id = m.trade_id;
  const out: FeedEvent[] = [];
  if (typeof m.product_id === "string" && typeof id === "number" && Number.isSafeInteger(id)) {
    const gap = advance(lastTrade, m.product_id, id, id - 1);
    if (gap) out.push(gap);
  }
  out.push(tickEvent({ symbol: m.product_id, ts, price: decimal(m.price), volume: decimal(m.size), source: "coinbase", seq: id }));
  return out;
}

/** A heartbeat: a last_trade_id ahead of the last trade seen means trades were missed. */
function heartbeat(m: Message, lastTrade: Map<string, number>): FeedEvent[] {
  const id = m.last_trade_id;
  if (typeof m.product_id !== "string" || typeof id !== "number" || !Number.isSafeInteger(id)) return [{ kind: "ignored" }];
  return [advance(lastTrade, m.product_id, id, id) ?? { kind: "ignored" }];
}

/**
 * Moves a product's last trade id to `id`; a gap when trades after the last one and up to `upTo` were never seen.
 * The first id of a product (or an older one, sent again) only sets where counting starts.
 */
function advance(lastTrade: Map<string, number>, product: string, id: number, upTo: number): FeedEvent | undefined {
  const last = lastTrade.get(product);
  if (last !== undefined && id <= last) return undefined;
  lastTrade.set(product, id);
  if (last === undefined || upTo <= last) return undefined;
  const missed = upTo - last;
  return { kind: "gap", missed, detail: `${product}: trade ids ${last + 1}${missed > 1 ? `–${upTo}` : ""} never arrived` };
}
