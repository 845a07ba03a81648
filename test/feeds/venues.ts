/**
 * The venues a feed conformance suite runs against, each described the same way: a local server speaking its
 * protocol (with its REST trade history on the same port where the venue has one), its market's trades, how it
 * sends them, and — computed from the trades' own fields as the venue's docs define them, never by the feed's
 * decoder — the tick each must become.
 */
import type { SourceSpec } from "../../src/sources/registry";
import {
  type AlpacaTrade,
  alpacaHistory,
  alpacaServer,
  alpacaTrades,
  type BinanceTrade,
  binanceHistory,
  binanceServer,
  binanceTrades,
  type CoinbaseMatch,
  coinbaseHistory,
  coinbaseMatches,
  coinbaseServer,
  type FeedServer,
  type FinnhubTrade,
  finnhubServer,
  finnhubTrades,
  jsonFeedServer,
  type KrakenTrade,
  krakenHistory,
  krakenServer,
  krakenTrades,
  krakenWire,
  type RestHandler,
  type RestTrouble,
} from "./servers";

export type VenueServer = FeedServer & { subscribed(): number };

export interface Venue<T = unknown> {
  name: "coinbase" | "binance" | "kraken" | "alpaca" | "finnhub" | "ws";
  symbols: string[];
  server(): Promise<VenueServer>;
  /** The source spec of the feed against the server (its REST history included). */
  spec(server: VenueServer, symbols?: string[]): SourceSpec;
  /** Environment the feed needs (credentials). */
  env: Record<string, string>;
  /** n trades of the venue's market, of its symbols in turn, in the order printed. */
  printed(n: number): T[];
  /** Sends trades as the venue does (a frame each, or a batch a frame). */
  send(server: VenueServer, trades: T[]): void;
  /** What a resumed subscription sends first (Coinbase: the last match), then the rest. */
  resume(server: VenueServer, trades: T[]): void;
  /** Its REST trade history, serving what was printed; none: what was never sent stays missing. */
  history?(printed: T[], trouble?: RestTrouble): RestHandler;
  /** The tick a trade must become, without its id. */
  expected(t: T): Record<string, unknown>;
  symbolOf(t: T): string;
  /** A subscription the venue refuses, and the line the feed must stop with. */
  refusal: { spec: (server: VenueServer) => SourceSpec; env?: Record<string, string>; message: RegExp };
  /** Whether a gap on a live socket shows (trade ids rise by one per symbol). */
  liveGaps: boolean;
  /** Whether the venue promises a frame every second (a socket answering pings but silent is replaced). */
  promisesData: boolean;
  /** The most trades a page of its history gives. */
  page: number;
  /** A frame of no kind the feed knows, and the reasons of what is rejected of it and of a frame that is not JSON. */
  unknown: { frame: string; rejected: string[] };
}

const coinbase: Venue<CoinbaseMatch> = {
  name: "coinbase",
  symbols: ["BTC-USD", "ETH-USD"],
  server: () => coinbaseServer(["BTC-USD", "ETH-USD"]),
  spec: (s, symbols = ["BTC-USD", "ETH-USD"]) => ({ kind: "coinbase", symbols, url: s.url, rest: s.restUrl }),
  env: {},
  printed: (n) => coinbaseMatches(n, ["BTC-USD", "ETH-USD"], 1000),
  send: (s, trades) => {
    for (const m of trades) s.broadcast(JSON.stringify(m));
  },
  resume: (s, trades) => {
    if (trades.length) s.broadcast(JSON.stringify({ ...trades[0], type: "last_match" }));
    for (const m of trades.slice(1)) s.broadcast(JSON.stringify(m));
  },
  history: (printed, trouble) => coinbaseHistory(printed, trouble),
  // The decimal texts read as numbers, the time cut to milliseconds, the trade id as seq.
  expected: (m) => ({
    symbol: m.product_id,
    ts: `${m.time.slice(0, 23)}Z`,
    price: Number(m.price),
    volume: Number(m.size),
    source: "coinbase",
    seq: m.trade_id,
  }),
  symbolOf: (m) => m.product_id,
  refusal: {
    spec: (s) => ({ kind: "coinbase", symbols: ["BTC-USD", "DOGE-XYZ"], url: s.url, rest: s.restUrl }),
    message: /coinbase refused the subscription: Failed to subscribe \(DOGE-XYZ is not a valid product\)/,
  },
  liveGaps: true,
  promisesData: true,
  page: 1000,
  unknown: { frame: JSON.stringify({ type: "zz" }), rejected: ["not JSON", "unknown message"] },
};

const binance: Venue<BinanceTrade> = {
  name: "binance",
  symbols: ["BTCUSDT", "ETHBTC"],
  server: () => binanceServer(),
  spec: (s, symbols = ["BTCUSDT", "ETHBTC"]) => ({ kind: "binance", symbols, url: s.url, rest: s.restUrl }),
  env: {},
  printed: (n) => binanceTrades(n, ["BTCUSDT", "ETHBTC"], 77_000),
  send: (s, trades) => {
    // Half raw, half wrapped as a combined stream sends them.
    for (const [i, t] of trades.entries()) s.broadcast(JSON.stringify(i % 2 ? t : { stream: `${t.s.toLowerCase()}@trade`, data: t }));
  },
  resume: (s, trades) => binance.send(s, trades),
  history: (printed, trouble) => binanceHistory(printed, trouble),
  expected: (t) => ({ symbol: t.s, ts: new Date(t.T).toISOString(), price: Number(t.p), volume: Number(t.q), source: "binance", seq: t.t }),
  symbolOf: (t) => t.s,
  refusal: {
    spec: (s) => ({ kind: "binance", symbols: ["BTC/USDT"], url: s.url, rest: s.restUrl }),
    message: /binance refused the subscription to BTC\/USDT \(error 2: Invalid request: invalid stream name btc\/usdt@trade\)/,
  },
  liveGaps: true,
  promisesData: false,
  page: 1000,
  unknown: { frame: JSON.stringify({ e: "zz" }), rejected: ["not JSON", "unknown message"] },
};

/** Kraken's v2 trade channel: a snapshot of the latest trades after each subscription, then updates. */
const kraken: Venue<KrakenTrade> = {
  name: "kraken",
  symbols: ["BTC/USD", "ETH/EUR"],
  server: () => krakenServer(["BTC/USD", "ETH/EUR"]),
  spec: (s, symbols = ["BTC/USD", "ETH/EUR"]) => ({ kind: "kraken", symbols, url: s.url, rest: s.restUrl }),
  env: {},
  printed: (n) => krakenTrades(n, ["BTC/USD", "ETH/EUR"], 61_044_952),
  send: (s, trades) => {
    // Up to 3 trades a message, as the channel batches them.
    for (let i = 0; i < trades.length; i += 3)
      s.broadcast(JSON.stringify({ channel: "trade", type: "update", data: trades.slice(i, i + 3).map(krakenWire) }));
  },
  resume: (s, trades) => {
    // The snapshot: the first trades of the resumption, then the rest as updates.
    if (trades.length) s.broadcast(JSON.stringify({ channel: "trade", type: "snapshot", data: trades.slice(0, 1).map(krakenWire) }));
    kraken.send(s, trades.slice(1));
  },
  history: (printed, trouble) => krakenHistory(printed, trouble),
  // The microseconds cut to milliseconds, the numbers as sent, the trade id as seq.
  expected: (t) => ({
    symbol: t.symbol,
    ts: `${t.timestamp.slice(0, 23)}Z`,
    price: t.price,
    volume: t.qty,
    source: "kraken",
    seq: t.trade_id,
  }),
  symbolOf: (t) => t.symbol,
  refusal: {
    spec: (s) => ({ kind: "kraken", symbols: ["BTC/USD", "DOGE/XYZ"], url: s.url, rest: s.restUrl }),
    message: /kraken refused the subscription to DOGE\/XYZ: Currency pair not supported/,
  },
  liveGaps: true,
  promisesData: true,
  page: 1000,
  unknown: { frame: JSON.stringify({ channel: "zz" }), rejected: ["not JSON", "unknown message"] },
};

const CREDENTIALS = { APCA_API_KEY_ID: "AKTEST", APCA_API_SECRET_KEY: "s3cret" };
const alpacaAuth = { key: CREDENTIALS.APCA_API_KEY_ID, secret: CREDENTIALS.APCA_API_SECRET_KEY };

const alpaca: Venue<AlpacaTrade> = {
  name: "alpaca",
  symbols: ["AAPL", "MSFT"],
  server: () => alpacaServer(alpacaAuth),
  spec: (s, symbols = ["AAPL", "MSFT"]) => ({
    kind: "alpaca",
    symbols,
    dataFeed: "iex",
    channels: ["trades"],
    keyEnv: "APCA_API_KEY_ID",
    secretEnv: "APCA_API_SECRET_KEY",
    url: s.url,
    rest: s.restUrl,
  }),
  env: CREDENTIALS,
  printed: (n) => alpacaTrades(n, ["AAPL", "MSFT"], 5_000),
  send: (s, trades) => {
    // Alpaca batches: up to 17 trades a frame here.
    for (let i = 0; i < trades.length; i += 17) s.broadcast(JSON.stringify(trades.slice(i, i + 17)));
  },
  resume: (s, trades) => alpaca.send(s, trades),
  history: (printed, trouble) => alpacaHistory(printed, alpacaAuth, trouble),
  // The time cut to milliseconds (never rounded), the size as volume, the trade id as seq.
  expected: (t) => ({ symbol: t.S, ts: `${t.t.slice(0, 23)}Z`, price: t.p, volume: t.s, source: "alpaca:iex", seq: t.i }),
  symbolOf: (t) => t.S,
  refusal: {
    spec: (s) => alpaca.spec(s),
    env: { APCA_API_KEY_ID: "AKTEST", APCA_API_SECRET_KEY: "wrong" },
    message: /the key or secret is wrong \(error 402: auth failed\)/,
  },
  liveGaps: false,
  promisesData: false,
  page: 10_000,
  unknown: { frame: JSON.stringify([{ T: "zz" }]), rejected: ["not JSON", "unknown message"] },
};

/** Finnhub has no trade history to repair from, and its trades no id: a trade sent again has the same fields. */
const finnhub: Venue<FinnhubTrade> = {
  name: "finnhub",
  symbols: ["AAPL", "TSLA"],
  server: () => finnhubServer(["AAPL", "TSLA"], "tok"),
  spec: (s, symbols = ["AAPL", "TSLA"]) => ({ kind: "finnhub", symbols, tokenEnv: "FINNHUB_TOKEN", url: s.url }),
  env: { FINNHUB_TOKEN: "tok" },
  printed: (n) => finnhubTrades(n, ["AAPL", "TSLA"]),
  send: (s, trades) => {
    // Finnhub batches: up to 10 trades a frame here.
    for (let i = 0; i < trades.length; i += 10) s.broadcast(JSON.stringify({ type: "trade", data: trades.slice(i, i + 10) }));
  },
  resume: (s, trades) => finnhub.send(s, trades),
  expected: (t) => ({ symbol: t.s, ts: new Date(t.t).toISOString(), price: t.p, volume: t.v, source: "finnhub" }),
  symbolOf: (t) => t.s,
  refusal: {
    spec: (s) => finnhub.spec(s),
    env: { FINNHUB_TOKEN: "wrong" },
    message: /finnhub at ws:\/\/127\.0\.0\.1:\d+\?token=\*\*\* refused the connection: HTTP 401 Unauthorized/,
  },
  liveGaps: false,
  promisesData: false,
  page: 0,
  unknown: { frame: JSON.stringify({ type: "zz" }), rejected: ["not JSON", "unknown message"] },
};

interface JsonTrade {
  sym: string;
  px: string;
  at: number;
  qty: number;
  n: number;
}

/** Any JSON feed (`ws`): a map of dotted paths; frames without a price at its path are skipped, not rejected. */
const ws: Venue<JsonTrade> = {
  name: "ws",
  symbols: ["AAPL", "MSFT"],
  server: () => jsonFeedServer("k"),
  spec: (s) => ({
    kind: "ws",
    url: `${s.url}/stream?key=k`,
    subscribe: JSON.stringify({ op: "subscribe", symbols: ["AAPL", "MSFT"] }),
    map: { symbol: "sym", price: "px", ts: "at", volume: "qty", seq: "n" },
    records: "data",
  }),
  env: {},
  printed: (n) =>
    Array.from({ length: n }, (_, i) => ({
      sym: i % 2 ? "MSFT" : "AAPL",
      px: (200 + (i % 17) / 4).toFixed(2),
      at: Date.UTC(2024, 0, 2, 14, 30) + i * 11,
      qty: 1 + (i % 5),
      n: 9000 + i,
    })),
  send: (s, trades) => {
    for (let i = 0; i < trades.length; i += 5) s.broadcast(JSON.stringify({ data: trades.slice(i, i + 5) }));
  },
  resume: (s, trades) => ws.send(s, trades),
  // The price text read as a number, the Unix ms as an ISO time.
  expected: (t) => ({ symbol: t.sym, ts: new Date(t.at).toISOString(), price: Number(t.px), volume: t.qty, source: "ws", seq: t.n }),
  symbolOf: (t) => t.sym,
  refusal: {
    spec: (s) => ({ ...(ws.spec(s) as object), url: `${s.url}/stream?key=wrong` }) as SourceSpec,
    message: /ws at ws:\/\/127\.0\.0\.1:\d+\/stream\?key=\*\*\* refused the connection: HTTP 403/,
  },
  liveGaps: false,
  promisesData: false,
  page: 0,
  // A frame without records is not a tick's: skipped.
  unknown: { frame: JSON.stringify({ type: "zz" }), rejected: ["not JSON"] },
};

export const VENUES: Venue[] = [coinbase, binance, kraken, alpaca, finnhub, ws] as Venue[];
