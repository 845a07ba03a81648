/**
 * Local WebSocket servers that speak the vendors' feeds as their public docs describe them, with the
 * misbehaviour of the real ones on demand: a dropped connection, a socket that goes silent without closing,
 * a refused key, malformed frames. Each also answers HTTP on the same port: the venue's REST trade history
 * (`coinbaseHistory`, `binanceHistory`), paged and rate-limited as the venue documents it. Tests compute what
 * they expect from what these servers sent and hold.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocket, WebSocketServer } from "ws";

export interface AlpacaTrade {
  T: "t";
  S: string;
  i: number;
  x: string;
  p: number;
  s: number;
  t: string;
  c: string[];
  z: string;
}

/** n trades of the symbols in turn, one millisecond apart from `startMs`, trade ids from `firstId`. */
export function alpacaTrades(n: number, symbols: string[], firstId = 1, startMs = Date.UTC(2024, 0, 2, 14, 30)): AlpacaTrade[] {
  return Array.from({ length: n }, (_, k) => ({
    T: "t",
    S: symbols[k % symbols.length]!,
    i: firstId + k,
    x: "V",
    p: Math.round((100 + Math.sin(k) * 5 + k / 100) * 100) / 100,
    s: 1 + (k % 17) * 3,
    // Nanosecond precision, as Alpaca sends it.
    t: `${new Date(startMs + k).toISOString().slice(0, 23)}${String(k % 1000).padStart(6, "0")}Z`,
    c: ["@"],
    z: "C",
  }));
}

/** Answers one REST request; `url` is the path and query. */
export type RestHandler = (url: URL, res: ServerResponse, req: IncomingMessage) => void;

export class FeedServer {
  readonly wss: WebSocketServer;
  readonly http: Server;
  /** What REST requests get (default: 404). */
  rest: RestHandler = (_url, res) => res.writeHead(404).end();
  /** Every REST request's path and query, in order. */
  readonly restRequests: string[] = [];
  readonly clients = new Set<WebSocket>();
  /** Every text the clients sent, in order. */
  readonly received: string[] = [];
  connections = 0;
  /** WebSocket handshakes asked for, refused or not. */
  handshakes = 0;
  private onConnect: (ws: WebSocket) => void = () => {};
  private onMessage: (ws: WebSocket, text: string) => void = () => {};

  private constructor(wss: WebSocketServer, http: Server) {
    this.wss = wss;
    this.http = http;
  }

  /** A server on 127.0.0.1 (a free port); `verify` may refuse the handshake with an HTTP status. */
  static async start(verify?: (url: URL) => number | undefined): Promise<FeedServer> {
    const http = createServer();
    const wss = new WebSocketServer({
      server: http,
      verifyClient: verify
        ? (info, done) => {
            const status = verify(new URL(info.req.url ?? "/", "http://x"));
            if (status) done(false, status, status === 401 ? "Unauthorized" : "Refused");
            else done(true);
          }
        : undefined,
    });
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
    const server = new FeedServer(wss, http);
    http.on("upgrade", () => server.handshakes++);
    http.on("request", (req, res) => {
      server.restRequests.push(req.url ?? "/");
      server.rest(new URL(req.url ?? "/", "http://x"), res, req);
    });
    wss.on("connection", (ws) => {
      server.connections++;
      server.clients.add(ws);
      ws.on("close", () => server.clients.delete(ws));
      ws.on("message", (data) => {
        const text = data.toString();
        server.received.push(text);
        server.onMessage(ws, text);
      });
      server.onConnect(ws);
    });
    return server;
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }

  /** The REST API's base on the same port. */
  get restUrl(): string {
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }

  handle(onConnect: (ws: WebSocket) => void, onMessage: (ws: WebSocket, text: string) => void): this {
    this.onConnect = onConnect;
    this.onMessage = onMessage;
    return this;
  }

  /** Sends to every open client. */
  broadcast(text: string): void {
    for (const ws of this.clients) if (ws.readyState === WebSocket.OPEN) ws.send(text);
  }

  /** Drops every client as a network failure would (no close frame). */
  drop(): void {
    for (const ws of this.clients) ws.terminate();
  }

  /** Every client's socket stops reading and sending, and never closes: a half-open connection. */
  goSilent(): void {
    for (const ws of this.clients) (ws as unknown as { _socket: { pause(): void } })._socket.pause();
  }

  async close(): Promise<void> {
    for (const ws of this.clients) ws.terminate();
    await new Promise<void>((r) => this.wss.close(() => r()));
    this.http.closeAllConnections();
    await new Promise<void>((r) => this.http.close(() => r()));
  }
}

/** Waits until `check` holds, polling. */
export async function until(check: () => boolean, ms = 10_000, what = "the condition"): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface AlpacaServerOptions {
  key: string;
  secret: string;
  /** Symbols the server refuses to subscribe (left out of its confirmation). */
  unknown?: string[];
}

/** Alpaca's stocks stream: greeting, auth, subscription confirmation; trades and quotes as the test sends them. */
export async function alpacaServer(o: AlpacaServerOptions): Promise<FeedServer & { subscribed(): number }> {
  const server = await FeedServer.start();
  let subscribed = 0;
  server.handle(
    (ws) => ws.send(JSON.stringify([{ T: "success", msg: "connected" }])),
    (ws, text) => {
      const m = JSON.parse(text);
      if (m.action === "auth") {
        if (m.key === o.key && m.secret === o.secret) ws.send(JSON.stringify([{ T: "success", msg: "authenticated" }]));
        else {
          ws.send(JSON.stringify([{ T: "error", code: 402, msg: "auth failed" }]));
          ws.close();
        }
      } else if (m.action === "subscribe") {
        subscribed++;
        const keep = (list: string[] | undefined) => (list ?? []).filter((s) => !(o.unknown ?? []).includes(s));
        ws.send(JSON.stringify([{ T: "subscription", trades: keep(m.trades), quotes: keep(m.quotes), bars: [] }]));
      }
    },
  );
  return Object.assign(server, { subscribed: () => subscribed });
}

export interface CoinbaseMatch {
  type: "match" | "last_match";
  trade_id: number;
  sequence: number;
  maker_order_id: string;
  taker_order_id: string;
  time: string;
  product_id: string;
  size: string;
  price: string;
  side: "buy" | "sell";
}

/**
 * n Coinbase matches of the products in turn, trade ids rising by one per product from `firstId`, microsecond
 * times, fractional sizes as Coinbase writes them (8 decimal places, trailing zeros kept).
 */
export function coinbaseMatches(n: number, products: string[], firstId = 1, startMs = Date.UTC(2024, 0, 2, 14, 30)): CoinbaseMatch[] {
  return Array.from({ length: n }, (_, k) => ({
    type: "match",
    trade_id: firstId + Math.floor(k / products.length),
    sequence: 50_000 + k * 7,
    maker_order_id: "ac928c66-ca53-498f-9c13-a110027a60e8",
    taker_order_id: "132fb6ae-456b-4654-b4e0-d681ac05cea1",
    time: `${new Date(startMs + k * 3).toISOString().slice(0, 23)}${String(k % 1000).padStart(3, "0")}Z`,
    product_id: products[k % products.length]!,
    size: ((1 + ((k * 7919) % 100_000)) / 1e6).toFixed(8),
    price: (42_000 + Math.sin(k) * 50 + k / 100).toFixed(2),
    side: k % 2 ? "buy" : "sell",
  }));
}

/** Coinbase's feed: a subscribe within the session, `subscriptions` or an `error` for a product it does not list. */
export async function coinbaseServer(products: string[]): Promise<FeedServer & { subscribed(): number }> {
  const server = await FeedServer.start();
  let subscribed = 0;
  server.handle(
    () => {},
    (ws, text) => {
      const m = JSON.parse(text);
      if (m.type !== "subscribe") return;
      const unknown = (m.product_ids as string[]).find((p) => !products.includes(p));
      if (unknown) {
        ws.send(JSON.stringify({ type: "error", message: "Failed to subscribe", reason: `${unknown} is not a valid product` }));
        return;
      }
      subscribed++;
      ws.send(
        JSON.stringify({
          type: "subscriptions",
          channels: (m.channels as string[]).map((name) => ({ name, product_ids: m.product_ids })),
        }),
      );
    },
  );
  return Object.assign(server, { subscribed: () => subscribed });
}

export interface BinanceTrade {
  e: "trade";
  E: number;
  s: string;
  t: number;
  p: string;
  q: string;
  T: number;
  m: boolean;
  M: boolean;
}

/** n Binance trades of the symbols in turn, trade ids rising by one per symbol from `firstId`, quantities as Binance writes them. */
export function binanceTrades(n: number, symbols: string[], firstId = 1, startMs = Date.UTC(2024, 0, 2, 14, 30)): BinanceTrade[] {
  return Array.from({ length: n }, (_, k) => ({
    e: "trade",
    E: startMs + k + 1,
    s: symbols[k % symbols.length]!,
    t: firstId + Math.floor(k / symbols.length),
    p: (2_300 + Math.cos(k) * 10).toFixed(8),
    q: ((1 + ((k * 104_729) % 9_999)) / 1e4).toFixed(8),
    T: startMs + k,
    m: k % 3 === 0,
    M: true,
  }));
}

/** Binance's stream endpoint: SUBSCRIBE answered with a null result, or a code 2 error for a malformed stream name. */
export async function binanceServer(): Promise<FeedServer & { subscribed(): number }> {
  const server = await FeedServer.start();
  let subscribed = 0;
  server.handle(
    () => {},
    (ws, text) => {
      const m = JSON.parse(text);
      if (m.method !== "SUBSCRIBE") return;
      if ((m.params as string[]).some((s) => !/^[a-z0-9]+@trade$/.test(s))) {
        ws.send(JSON.stringify({ code: 2, msg: `Invalid request: invalid stream name ${m.params.join(",")}`, id: m.id }));
        return;
      }
      subscribed++;
      ws.send(JSON.stringify({ result: null, id: m.id }));
    },
  );
  return Object.assign(server, { subscribed: () => subscribed });
}

/** A Finnhub trade as its WebSocket sends it in `data`: symbol, price, Unix ms, volume, conditions. */
export interface FinnhubTrade {
  s: string;
  p: number;
  t: number;
  v: number;
  c: string[];
}

/** n trades of the symbols in turn, 7 ms apart, prices walking by cents. */
export function finnhubTrades(n: number, symbols: string[], startMs = Date.UTC(2024, 0, 2, 14, 30)): FinnhubTrade[] {
  return Array.from({ length: n }, (_, i) => ({
    s: symbols[i % symbols.length]!,
    p: Math.round((100 + Math.sin(i / 9) * 3) * 100) / 100,
    t: startMs + i * 7,
    v: 1 + (i % 13),
    c: ["1", "12"],
  }));
}

/**
 * Finnhub's trades WebSocket: the token in the URL (a wrong one refused at the handshake, 401), a subscription per
 * symbol and no confirmation. `subscribed()` counts connections that asked for every symbol.
 */
export async function finnhubServer(symbols: string[], token: string): Promise<FeedServer & { subscribed(): number }> {
  const server = await FeedServer.start((url) => (url.searchParams.get("token") === token ? undefined : 401));
  let subscribed = 0;
  const asked = new WeakMap<WebSocket, Set<string>>();
  server.handle(
    () => {},
    (ws, text) => {
      const m = JSON.parse(text);
      if (m.type !== "subscribe") return;
      const mine = asked.get(ws) ?? new Set<string>();
      asked.set(ws, mine.add(m.symbol));
      if (mine.size === symbols.length) subscribed++;
    },
  );
  return Object.assign(server, { subscribed: () => subscribed });
}

/**
 * A JSON feed of no venue in particular (`--source ws`): a key in the URL (a wrong one refused at the handshake,
 * 403), one subscribe message, no confirmation; records in frames as `{"data":[…]}`.
 */
export async function jsonFeedServer(key: string): Promise<FeedServer & { subscribed(): number }> {
  const server = await FeedServer.start((url) => (url.searchParams.get("key") === key ? undefined : 403));
  let subscribed = 0;
  server.handle(
    () => {},
    (_ws, text) => {
      if (JSON.parse(text).op === "subscribe") subscribed++;
    },
  );
  return Object.assign(server, { subscribed: () => subscribed });
}

/** A Kraken v2 trade as the trade channel sends it. */
export interface KrakenTrade {
  symbol: string;
  side: "buy" | "sell";
  price: number;
  qty: number;
  ord_type: "limit" | "market";
  trade_id: number;
  /** RFC 3339 with microseconds. */
  timestamp: string;
  /** The same time in microseconds (not sent: the history's time and cursor are made from it). */
  us: number;
}

/** n trades of the symbols in turn, ids from `firstId` per symbol, 7.003 ms apart, with microseconds. */
export function krakenTrades(n: number, symbols: string[], firstId = 1, startMs = Date.UTC(2024, 0, 2, 14, 30)): KrakenTrade[] {
  const next = new Map<string, number>();
  return Array.from({ length: n }, (_, i) => {
    const symbol = symbols[i % symbols.length]!;
    const id = next.get(symbol) ?? firstId;
    next.set(symbol, id + 1);
    const us = startMs * 1000 + i * 7003 + 456;
    const timestamp = `${new Date(Math.floor(us / 1000)).toISOString().slice(0, 23)}${String(us % 1000).padStart(3, "0")}Z`;
    return {
      symbol,
      side: i % 3 ? "buy" : "sell",
      price: Math.round((30_000 + Math.sin(i / 11) * 40) * 10) / 10,
      qty: Math.round((0.001 + (i % 17) * 0.0137) * 1e8) / 1e8,
      ord_type: i % 4 ? "limit" : "market",
      trade_id: id,
      timestamp,
      us,
    };
  });
}

/** A trade as the channel sends it (without the test's own `us`). */
export const krakenWire = ({ us: _us, ...t }: KrakenTrade) => t;

/**
 * Kraken's spot WebSocket v2: a status message on connecting; a subscription to the trade channel acknowledged
 * symbol by symbol (a pair it does not list refused with `success: false`).
 */
export async function krakenServer(symbols: string[]): Promise<FeedServer & { subscribed(): number }> {
  const server = await FeedServer.start();
  let subscribed = 0;
  server.handle(
    (ws) =>
      ws.send(JSON.stringify({ channel: "status", type: "update", data: [{ api_version: "v2", system: "online", version: "2.0.10" }] })),
    (ws, text) => {
      const m = JSON.parse(text);
      if (m.method !== "subscribe" || m.params?.channel !== "trade") return;
      const now = new Date().toISOString();
      for (const symbol of m.params.symbol as string[]) {
        if (!symbols.includes(symbol)) {
          ws.send(
            JSON.stringify({
              method: "subscribe",
              success: false,
              error: "Currency pair not supported",
              symbol,
              time_in: now,
              time_out: now,
            }),
          );
          return;
        }
        ws.send(
          JSON.stringify({
            method: "subscribe",
            success: true,
            result: { channel: "trade", symbol, snapshot: m.params.snapshot },
            time_in: now,
            time_out: now,
          }),
        );
      }
      subscribed++;
    },
  );
  return Object.assign(server, { subscribed: () => subscribed });
}

/**
 * Kraken's `GET /0/public/Trades?pair=&since=&count=` over the trades the market printed: trades after `since`
 * (Unix nanoseconds; none: the latest), ascending, `count` ≤ 1000 (default 1000), each
 * `[price, volume, seconds, side, type, misc, trade_id]`, and `last`, the next page's `since`. The pair is the v2
 * symbol without its slash; with `assetVersion=1` the result is keyed by the v2 symbol. A rate limit spent is a
 * 200 whose body says so.
 */
export function krakenHistory(printed: KrakenTrade[], trouble: RestTrouble = {}): RestHandler {
  return (url, res) => {
    if (url.pathname !== "/0/public/Trades") return json(res, 404, { error: ["EGeneral:Unknown method"] });
    if (trouble.failWith) return json(res, trouble.failWith, { error: ["EService:Unavailable"] });
    if (trouble.throttle && trouble.throttle.n > 0) {
      trouble.throttle.n--;
      return json(res, 200, { error: ["EGeneral:Too many requests"] });
    }
    const pair = url.searchParams.get("pair");
    const mine = printed.filter((t) => t.symbol.replace("/", "") === pair);
    if (mine.length === 0) return json(res, 200, { error: ["EQuery:Unknown asset pair"] });
    const count = Number(url.searchParams.get("count") ?? 1000);
    if (!Number.isInteger(count) || count < 1 || count > 1000) return json(res, 200, { error: ["EGeneral:Invalid arguments:count"] });
    const since = url.searchParams.get("since");
    const chosen = since === null ? mine.slice(-count) : mine.filter((t) => BigInt(t.us) * 1000n > BigInt(since)).slice(0, count);
    const page = chosen.map((t) => [t.price.toFixed(5), t.qty.toFixed(8), t.us / 1e6, t.side[0], t.ord_type[0], "", t.trade_id]);
    const last = chosen.length ? String(BigInt(chosen[chosen.length - 1]!.us) * 1000n) : (since ?? "0");
    const key = url.searchParams.get("assetVersion") === "1" ? mine[0]!.symbol : `X${pair}`;
    json(res, 200, { error: [], result: { [key]: page, last } });
  };
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
  res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));

/** Misbehaviour of a venue's REST API on demand. */
export interface RestTrouble {
  /** The next n requests are answered 429 (with `Retry-After: retryAfter` seconds when given). */
  throttle?: { n: number; retryAfter?: number };
  /** Every request is answered with this status (500, 503). */
  failWith?: number;
}

/**
 * Coinbase Exchange's `GET /products/{product_id}/trades` over the trades the market printed (sent or not): the
 * latest first, `limit` ≤ 1000 (default 1000; more is a 400), `after` (older than the id) and `before` (newer)
 * cursors, `cb-before`/`cb-after` headers; an unknown product is a 404.
 */
export function coinbaseHistory(printed: CoinbaseMatch[], trouble: RestTrouble = {}): RestHandler {
  return (url, res) => {
    const path = /^\/products\/([^/]+)\/trades$/.exec(url.pathname);
    if (!path) return json(res, 404, { message: "NotFound" });
    if (trouble.failWith) return json(res, trouble.failWith, { message: "Internal server error" });
    if (trouble.throttle && trouble.throttle.n > 0) {
      trouble.throttle.n--;
      return json(
        res,
        429,
        { message: "Public rate limit exceeded" },
        trouble.throttle.retryAfter ? { "retry-after": String(trouble.throttle.retryAfter) } : {},
      );
    }
    const product = decodeURIComponent(path[1]!);
    const limit = Number(url.searchParams.get("limit") ?? 1000);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return json(res, 400, { message: "Invalid limit" });
    const after = url.searchParams.get("after");
    const before = url.searchParams.get("before");
    const mine = printed.filter((m) => m.product_id === product);
    if (mine.length === 0) return json(res, 404, { message: "NotFound" });
    const page = mine
      .filter((m) => (after === null || m.trade_id < Number(after)) && (before === null || m.trade_id > Number(before)))
      .sort((a, b) => b.trade_id - a.trade_id)
      .slice(0, limit)
      .map((m) => ({ time: m.time, trade_id: m.trade_id, price: m.price, size: m.size, side: m.side }));
    const headers: Record<string, string> = {};
    if (page.length) {
      headers["cb-before"] = String(page[0]!.trade_id);
      headers["cb-after"] = String(page[page.length - 1]!.trade_id);
    }
    json(res, 200, page, headers);
  };
}

/**
 * Binance's `GET /api/v3/historicalTrades?symbol=&fromId=&limit=` over the trades the market printed: ascending
 * from `fromId`, `limit` ≤ 1000 (default 500), each request weighing 25 of 6,000 a minute (`X-MBX-USED-WEIGHT-1M`),
 * 429 with `Retry-After` beyond it; an unknown symbol is a 400 with code -1121.
 */
export function binanceHistory(printed: BinanceTrade[], trouble: RestTrouble & { weightUsed?: number } = {}): RestHandler {
  let minute = Math.floor(Date.now() / 60_000);
  let used = trouble.weightUsed ?? 0;
  return (url, res) => {
    if (url.pathname !== "/api/v3/historicalTrades") return json(res, 404, { code: -1, msg: "Not found" });
    if (trouble.failWith) return json(res, trouble.failWith, { code: -1001, msg: "Internal error; unable to process your request." });
    if (Math.floor(Date.now() / 60_000) !== minute) {
      minute = Math.floor(Date.now() / 60_000);
      used = 0;
    }
    if (trouble.throttle && trouble.throttle.n > 0) {
      trouble.throttle.n--;
      return json(res, 429, { code: -1003, msg: "Too many requests." }, { "retry-after": String(trouble.throttle.retryAfter ?? 1) });
    }
    used += 25;
    if (used > 6000)
      return json(
        res,
        429,
        { code: -1003, msg: "Too much request weight used." },
        { "retry-after": String(60 - (Math.floor(Date.now() / 1000) % 60)) },
      );
    const symbol = url.searchParams.get("symbol");
    const mine = printed.filter((t) => t.s === symbol);
    if (mine.length === 0) return json(res, 400, { code: -1121, msg: "Invalid symbol." });
    const limit = Number(url.searchParams.get("limit") ?? 500);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      return json(res, 400, { code: -1100, msg: "Illegal characters found in parameter 'limit'." });
    const fromId = url.searchParams.get("fromId");
    const sorted = mine.sort((a, b) => a.t - b.t);
    const page = (fromId === null ? sorted.slice(-limit) : sorted.filter((t) => t.t >= Number(fromId)).slice(0, limit)).map((t) => ({
      id: t.t,
      price: t.p,
      qty: t.q,
      quoteQty: (Number(t.p) * Number(t.q)).toFixed(8),
      time: t.T,
      isBuyerMaker: t.m,
      isBestMatch: t.M,
    }));
    json(res, 200, page, { "x-mbx-used-weight": String(used), "x-mbx-used-weight-1m": String(used) });
  };
}

/** An RFC 3339 time with up to nanoseconds as nanoseconds since the epoch, for exact comparisons. */
function nanos(text: string): bigint {
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/.exec(text);
  if (!m) throw new Error(`not an RFC 3339 UTC time: ${text}`);
  return BigInt(Date.parse(`${m[1]}Z`)) * 1_000_000n + BigInt((m[2] ?? "").padEnd(9, "0"));
}

/**
 * Alpaca's historical `GET /v2/stocks/{symbol}/trades?start=&end=&limit=&feed=&page_token=` over the trades the
 * market printed: `start` and `end` included (to the nanosecond), ascending, `limit` ≤ 10,000 (default 1000),
 * `next_page_token` while more remain; the key and secret in `APCA-API-KEY-ID`/`APCA-API-SECRET-KEY` (else 401).
 */
export function alpacaHistory(printed: AlpacaTrade[], auth: { key: string; secret: string }, trouble: RestTrouble = {}): RestHandler {
  return (url, res, req) => {
    const path = /^\/v2\/stocks\/([^/]+)\/trades$/.exec(url.pathname);
    if (!path) return json(res, 404, { message: "Not Found" });
    if (req.headers["apca-api-key-id"] !== auth.key || req.headers["apca-api-secret-key"] !== auth.secret)
      return json(res, 401, { code: 40110000, message: "request is not authorized" });
    if (trouble.failWith) return json(res, trouble.failWith, { message: "internal server error" });
    if (trouble.throttle && trouble.throttle.n > 0) {
      trouble.throttle.n--;
      return json(
        res,
        429,
        { message: "too many requests." },
        trouble.throttle.retryAfter ? { "retry-after": String(trouble.throttle.retryAfter) } : {},
      );
    }
    const symbol = decodeURIComponent(path[1]!);
    const q = url.searchParams;
    const limit = Number(q.get("limit") ?? 1000);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) return json(res, 422, { code: 42210000, message: "invalid limit" });
    if (!["iex", "sip"].includes(q.get("feed") ?? "sip")) return json(res, 422, { code: 42210000, message: "invalid feed" });
    const start = q.get("start") ? nanos(q.get("start")!) : 0n;
    const end = q.get("end") ? nanos(q.get("end")!) : BigInt(Date.now()) * 1_000_000n;
    const matching = printed
      .filter((t) => t.S === symbol && nanos(t.t) >= start && nanos(t.t) <= end)
      .sort((a, b) => (nanos(a.t) < nanos(b.t) ? -1 : 1));
    const from = q.get("page_token") ? Number(Buffer.from(q.get("page_token")!, "base64").toString()) : 0;
    const page = matching.slice(from, from + limit);
    const next = from + limit < matching.length ? Buffer.from(String(from + limit)).toString("base64") : null;
    json(res, 200, { trades: page.map(({ T: _T, S: _S, ...t }) => t), symbol, next_page_token: next });
  };
}
