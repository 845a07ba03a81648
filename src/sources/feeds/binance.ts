/**
 * Binance spot trade streams: `wss://stream.binance.com:9443/ws`, public, no key. The client subscribes with
 * `{"method":"SUBSCRIBE","params":["btcusdt@trade",…],"id":1}` (stream names are lower case) and the server
 * answers `{"result":null,"id":1}`, or an error `{"code":2,"msg":"Invalid request: …","id":1}`. Each trade is
 * `{"e":"trade","E":event ms,"s":"BTCUSDT","t":trade id,"p":"price","q":"quantity","T":trade ms,"m":…,"M":…}`
 * (wrapped as `{"stream":…,"data":{…}}` on a combined-stream endpoint). The server pings every 20 seconds; the
 * socket answers with pongs. Binance takes any stream name: a symbol it does not list is subscribed and sends
 * nothing.
 *
 * The trade id `t` is the tick's `seq`, so a trade received twice is the same tick; `T`, the trade time, its `ts`.
 * Trade ids rise by one per symbol: an id that skips means trades were missed (across reconnections too), and
 * they are fetched from the REST API's "old trade lookup", `GET /api/v3/historicalTrades?symbol=&fromId=&limit=`
 * (ascending from `fromId`, at most 1000 a page; each trade `id`, `price`, `qty`, `time`). Its ids are the
 * stream's `t`, so a repaired trade is the same tick as a streamed one; `aggTrades` is not used because its ids
 * number aggregates of trades, not the trades the stream sends. Each request weighs 25 of the 6,000 a minute an
 * IP may use: the `X-MBX-USED-WEIGHT-1M` header says how much is spent, and a repair that has spent nearly all of
 * it waits for the next minute rather than be answered 429 (or, persisting, banned with 418).
 *
 * With quotes, `<symbol>@bookTicker` too: every change of the best bid or ask, `{"u":update id,"s","b":bid,
 * "B":bid size,"a":ask,"A":ask size}` as decimal text. The spot book ticker carries no time: a quote is stamped with
 * the time it arrived, and its identity is the symbol and the update id.
 */
import { uuidFrom } from "../../model/ids";
import { feedKit, feedSymbols, quotesField, restField, symbolsField } from "../kit";
import { decimal, parseFrame, quoteEvent, tickEvent } from "./frames";
import { advance, resumeIds, size } from "./repair";
import type { FeedEvent, FeedProtocol, FeedSession, IdGap, TradeHistory } from "./types";

export interface BinanceOptions {
  /** Symbols as Binance lists them: BTCUSDT, ETHBTC, … */
  symbols: string[];
  /** Overrides the endpoint (the testnet, a test server). */
  url?: string;
  /** The REST API with the trade history (default: the venue's). */
  rest?: string;
  /** The top of the book too (`@bookTicker`), as quote ticks. */
  quotes?: boolean;
}

/** The most trades one page of the trade history gives. */
const PAGE = 1000;
/** A historicalTrades request's weight, and the weight an IP may spend a minute. */
const WEIGHT = 25;
const WEIGHT_PER_MINUTE = 6000;

type Message = Record<string, unknown>;

const SUBSCRIBE_ID = 1;

export function binanceFeed(o: BinanceOptions): FeedProtocol {
  const url = o.url ?? "wss://stream.binance.com:9443/ws";
  // The last trade id seen per symbol, kept across connections.
  const lastTrade = new Map<string, number>();
  return {
    name: "binance",
    url,
    shownUrl: url,
    confirms: true,
    resume: (latest) => resumeIds(lastTrade, latest, "binance", o.symbols),
    history: binanceHistory(o.rest ?? "https://api.binance.com"),
    session: (): FeedSession => ({
      opened: () => [
        JSON.stringify({
          method: "SUBSCRIBE",
          params: o.symbols.flatMap((s) => [`${s.toLowerCase()}@trade`, ...(o.quotes ? [`${s.toLowerCase()}@bookTicker`] : [])]),
          id: SUBSCRIBE_ID,
        }),
      ],
      receive: (frame, at) => decodeBinance(frame, o.symbols, lastTrade, o.quotes, at ?? Date.now()),
    }),
  };
}

export function decodeBinance(
  frame: string,
  symbols: string[],
  lastTrade = new Map<string, number>(),
  quotes = false,
  at = Date.now(),
): FeedEvent[] {
  const parsed = parseFrame("binance", frame);
  if (!parsed.ok) return [parsed.event];
  let m = parsed.value as Message;
  if (m && typeof m.stream === "string" && typeof m.data === "object") m = m.data as Message;
  if (m?.e === "trade") {
    const gap =
      typeof m.s === "string" && typeof m.t === "number" && Number.isSafeInteger(m.t) ? advance(lastTrade, m.s, m.t, m.t - 1) : undefined;
    return gap ? [gap, trade(m)] : [trade(m)];
  }
  if (quotes && m && typeof m.u === "number" && "b" in m && "a" in m && !("e" in m)) return [bookTicker(m, at)];
  if (m && "id" in m && !("e" in m)) {
    // The answer to a request: null result for a subscription taken, or an error.
    const error = (m.error ?? (m.code !== undefined ? m : undefined)) as Message | undefined;
    if (error)
      return [
        {
          kind: "refused",
          message: `binance refused the subscription to ${symbols.join(", ")} (error ${String(error.code)}: ${String(error.msg)})`,
          hint: "check --symbols: Binance's own symbols, e.g. BTCUSDT,ETHBTC",
        },
      ];
    if (m.id === SUBSCRIBE_ID && m.result === null) return [{ kind: "subscribed", detail: `trades of ${symbols.join(", ")}` }];
    return [{ kind: "ignored" }];
  }
  return [{ kind: "rejected", reason: "unknown message", detail: `binance message of unknown type ${JSON.stringify(m?.e)}` }];
}

/** A book ticker as a quote tick, stamped with the time it arrived (the spot book ticker has none). */
function bookTicker(m: Message, at: number): FeedEvent {
  return quoteEvent({
    symbol: m.s,
    ts: new Date(at).toISOString(),
    bid: decimal(m.b),
    ask: decimal(m.a),
    bidSize: decimal(m.B),
    askSize: decimal(m.A),
    source: "binance:quotes",
    id: uuidFrom("stockpipe.quote.binance", `${String(m.s)}|${String(m.u)}`),
  });
}

function trade(m: Message): FeedEvent {
  const ms = m.T;
  if (typeof ms !== "number" || !Number.isFinite(ms))
    return { kind: "rejected", reason: "unparseable date", detail: `binance trade time ${JSON.stringify(ms)} is not Unix ms` };
  return tickEvent({
    symbol: m.s,
    ts: new Date(ms).toISOString(),
    price: decimal(m.p),
    volume: decimal(m.q),
    source: "binance",
    seq: m.t,
  });
}

/** Binance's old trade lookup, paged forward from the gap's first id. */
export function binanceHistory(base: string): TradeHistory<IdGap> {
  return {
    shownUrl: base,
    request: (gap: IdGap) =>
      `${base}/api/v3/historicalTrades?symbol=${encodeURIComponent(gap.symbol)}&fromId=${gap.first}&limit=${Math.min(PAGE, size(gap))}`,
    read({ body, headers }, gap) {
      if (!Array.isArray(body))
        return { events: [{ kind: "rejected", reason: "unknown message", detail: "binance's trade history did not answer a list" }] };
      const events = (body as Message[]).map((t) => trade({ s: gap.symbol, t: t?.id, p: t?.price, q: t?.qty, T: t?.time }));
      const ids = (body as Message[]).map((t) => t?.id).filter((id): id is number => typeof id === "number");
      const newest = Math.max(...ids);
      const used = Number(headers.get("x-mbx-used-weight-1m"));
      // Nearly all of this minute's weight spent: wait for the next minute.
      const waitMs = Number.isFinite(used) && used + WEIGHT > WEIGHT_PER_MINUTE ? 60_000 - (Date.now() % 60_000) + 100 : undefined;
      return { events, rest: ids.length && newest < gap.last ? { ...gap, first: newest + 1 } : undefined, waitMs };
    },
  };
}

export const binance = feedKit({
  kind: "binance",
  summary: "Binance spot trade streams, gaps repaired from its REST old trade lookup",
  fields: { symbols: symbolsField("BTCUSDT,ETHUSDT"), rest: restField, quotes: quotesField("<symbol>@bookTicker") },
  protocol: (s) => binanceFeed({ symbols: feedSymbols(s.symbols, "BTCUSDT,ETHUSDT"), url: s.url, rest: s.rest, quotes: s.quotes }),
  recorded: (s) => ({ symbols: feedSymbols(s.symbols, "BTCUSDT,ETHUSDT"), quotes: s.quotes }),
});
