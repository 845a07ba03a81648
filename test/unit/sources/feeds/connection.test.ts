/** The connection manager against local servers speaking Alpaca's protocol: reconnects, silence, refusals. */
import { afterEach, describe, expect, it } from "vitest";
import { RuntimeError } from "../../../../src/errors";
import { alpacaFeed } from "../../../../src/sources/feeds/alpaca";
import { coinbaseFeed, decodeCoinbase } from "../../../../src/sources/feeds/coinbase";
import { backoffDelay, type ConnectionOptions, feedItems } from "../../../../src/sources/feeds/connection";
import { RecentIds } from "../../../../src/sources/feeds/source";
import type { GapReport } from "../../../../src/sources/feeds/types";
import type { SourceItem } from "../../../../src/sources/types";
import {
  alpacaHistory,
  alpacaServer,
  alpacaTrades,
  type CoinbaseMatch,
  coinbaseHistory,
  coinbaseMatches,
  coinbaseServer,
  FeedServer,
  until,
} from "../../../feeds/servers";

const servers: FeedServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

function options(url: string, over: Partial<ConnectionOptions> = {}, key = "K"): ConnectionOptions {
  return {
    protocol: alpacaFeed({
      dataFeed: "iex",
      symbols: ["AAPL", "MSFT"],
      channels: ["trades"],
      key,
      secret: "S",
      keyNames: { key: "KEY_ENV", secret: "SECRET_ENV" },
      url,
    }),
    silenceMs: 5000,
    pingMs: 200,
    subscribeTimeoutMs: 5000,
    backoff: { initialMs: 20, maxMs: 100 },
    maxFrameBytes: 4 * 1024 * 1024,
    ...over,
  };
}

/** Reads items in the background until stopped. */
function reader(o: ConnectionOptions) {
  const stop = new AbortController();
  const items: SourceItem[] = [];
  const reconnects: string[] = [];
  o.events = { onReconnecting: (_f, _a, _d, reason) => reconnects.push(reason) };
  const done = (async () => {
    for await (const item of feedItems(o, stop.signal)) items.push(item);
  })();
  const ticks = () => items.filter((i) => i.kind === "tick").map((i) => (i.kind === "tick" ? i.tick : undefined)!);
  return { items, ticks, reconnects, done, stop: () => stop.abort() };
}

describe("a feed's connection", () => {
  it("authenticates, subscribes and streams; after a drop it reconnects, subscribes again and goes on", async () => {
    const server = await alpacaServer({ key: "K", secret: "S" });
    servers.push(server);
    const r = reader(options(server.url));
    await until(() => server.subscribed() === 1, 5000, "the subscription");
    const trades = alpacaTrades(30, ["AAPL", "MSFT"]);
    server.broadcast(JSON.stringify(trades.slice(0, 10)));
    await until(() => r.ticks().length === 10);
    server.drop();
    await until(() => server.subscribed() === 2, 5000, "the second subscription");
    server.broadcast(JSON.stringify(trades.slice(10)));
    await until(() => r.ticks().length === 30);
    r.stop();
    await r.done;
    expect(r.ticks().map((t) => t.seq)).toEqual(trades.map((t) => t.i));
    expect(server.received.filter((m) => m.includes('"auth"'))).toHaveLength(2);
    expect(r.reconnects).toHaveLength(1);
    expect(r.reconnects[0]).toMatch(/^the connection closed \(1006/);
  });

  it("replaces a socket that goes silent without closing, within the silence time", async () => {
    const server = await alpacaServer({ key: "K", secret: "S" });
    servers.push(server);
    const r = reader(options(server.url, { silenceMs: 600, pingMs: 100 }));
    await until(() => server.subscribed() === 1);
    const silentAt = Date.now();
    server.goSilent();
    await until(() => server.subscribed() === 2, 5000, "a new subscription");
    const took = Date.now() - silentAt;
    r.stop();
    await r.done;
    expect(r.reconnects[0]).toMatch(/^no data for 0\.\d s$/);
    expect(took).toBeLessThan(600 + 1000 + 500);
  });

  it("tries again when the subscription is never confirmed", async () => {
    const server = await FeedServer.start();
    servers.push(server);
    server.handle(
      (ws) => ws.send('[{"T":"success","msg":"connected"}]'),
      () => {},
    );
    const r = reader(options(server.url, { subscribeTimeoutMs: 300 }));
    await until(() => server.connections >= 2, 5000, "a second connection");
    r.stop();
    await r.done;
    expect(r.reconnects[0]).toBe("no subscription confirmed within 0.3 s");
  });

  it("stops in one line on a refused key, and on a handshake the server refuses", async () => {
    const server = await alpacaServer({ key: "K", secret: "S" });
    servers.push(server);
    const r = reader(options(server.url, {}, "wrong"));
    const err = await r.done.catch((e) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect(err.message).toBe(`alpaca at ${server.url}: the key or secret is wrong (error 402: auth failed)`);
    expect(err.hint).toBe("check the key in KEY_ENV and the secret in SECRET_ENV");

    const refusing = await FeedServer.start(() => 401);
    servers.push(refusing);
    const r2 = reader(options(refusing.url));
    const err2 = await r2.done.catch((e) => e);
    expect(err2.message).toBe(`alpaca at ${refusing.url} refused the connection: HTTP 401 Unauthorized`);
  });

  it("keeps trying a server that is not there yet, backing off", async () => {
    const r = reader(options("ws://127.0.0.1:9"));
    await until(() => r.reconnects.length >= 3);
    r.stop();
    await r.done;
    expect(r.reconnects[0]).toMatch(/^cannot connect: connect ECONNREFUSED/);
  });

  it("rejects a 1 MB frame that is not a message and goes on with the next", async () => {
    const server = await alpacaServer({ key: "K", secret: "S" });
    servers.push(server);
    const r = reader(options(server.url));
    await until(() => server.subscribed() === 1);
    server.broadcast("x".repeat(1024 * 1024));
    server.broadcast(JSON.stringify(alpacaTrades(1, ["AAPL"])));
    await until(() => r.ticks().length === 1);
    r.stop();
    await r.done;
    const rejected = r.items.filter((i) => i.kind === "rejected");
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ reason: "not JSON", url: server.url });
    expect((rejected[0] as { raw: string }).raw).toHaveLength(500);
  });

  it("waits longer after each failed attempt, up to the most, with jitter", () => {
    const b = { initialMs: 500, maxMs: 30_000 };
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, b, () => 1))).toEqual([500, 1000, 2000, 4000]);
    expect(backoffDelay(1, b, () => 0)).toBe(250);
    expect(backoffDelay(20, b, () => 1)).toBe(30_000);
  });
});

describe("a feed with a trade history", () => {
  const printed = coinbaseMatches(400, ["BTC-USD", "ETH-USD"], 5000);
  const expected = (list: CoinbaseMatch[]) =>
    list.flatMap((m) => decodeCoinbase(JSON.stringify(m), [], new Map()).flatMap((e) => (e.kind === "tick" ? [e.tick] : [])));
  const byProduct = (product: string) => printed.filter((m) => m.product_id === product);

  async function coinbase(maxSeconds = 10) {
    const server = await coinbaseServer(["BTC-USD", "ETH-USD"]);
    servers.push(server);
    server.rest = coinbaseHistory(printed);
    const gaps: GapReport[] = [];
    const o: ConnectionOptions = {
      ...options(server.url, { silenceMs: 800, pingMs: 100 }),
      protocol: coinbaseFeed({ symbols: ["BTC-USD", "ETH-USD"], url: server.url, rest: server.restUrl }),
      repair: { enabled: true, maxTrades: 1000, maxSeconds },
    };
    const r = reader(o);
    o.events = { ...o.events, onGap: (_f, g) => gaps.push(g) };
    await until(() => server.subscribed() === 1, 5000, "the subscription");
    return { server, r, gaps };
  }

  it("fills a gap on a live socket from the history before the trade that showed it: every trade once, in order", async () => {
    const { server, r, gaps } = await coinbase();
    const skipped = new Set(byProduct("BTC-USD").slice(40, 52));
    for (const m of printed) if (!skipped.has(m)) server.broadcast(JSON.stringify(m));
    await until(() => r.ticks().length === printed.length, 10_000, "every trade");
    r.stop();
    await r.done;
    for (const product of ["BTC-USD", "ETH-USD"])
      expect(r.ticks().filter((t) => t.symbol === product)).toEqual(expected(byProduct(product)));
    expect(gaps).toEqual([
      { detail: "BTC-USD: trade ids 5040–5051 never arrived", missed: 12, repaired: 12, left: 0, calls: 1, complete: true },
    ]);
    expect(server.restRequests).toEqual(["/products/BTC-USD/trades?after=5052&limit=12"]);
  });

  it("replaces a socket that answers pings but sends no data, and repairs what was printed meanwhile", async () => {
    const { server, r, gaps } = await coinbase();
    const btc = byProduct("BTC-USD");
    for (const m of btc.slice(0, 50)) server.broadcast(JSON.stringify(m));
    await until(() => r.ticks().length === 50);
    // Silence: the socket stays open and answers pings (ws does), but no match and no heartbeat comes.
    await until(() => server.subscribed() === 2, 5000, "a new subscription");
    // The venue went on meanwhile: the new subscription starts from the present, with the last match.
    server.broadcast(JSON.stringify({ ...btc[80], type: "last_match" }));
    for (const m of btc.slice(81)) server.broadcast(JSON.stringify(m));
    await until(() => r.ticks().length === btc.length, 10_000, "every BTC-USD trade");
    r.stop();
    await r.done;
    expect(r.reconnects[0]).toMatch(/^no data for \d\.\d s \(the socket still answered pings\)$/);
    expect(r.ticks()).toEqual(expected(btc));
    expect(gaps).toMatchObject([{ detail: "BTC-USD: trade ids 5050–5079 never arrived", missed: 30, repaired: 30, left: 0 }]);
  });

  it("goes on streaming when the history fails, the gap reported with why", async () => {
    const { server, r, gaps } = await coinbase(2);
    server.rest = coinbaseHistory(printed, { failWith: 503 });
    const btc = byProduct("BTC-USD");
    for (const m of [...btc.slice(0, 10), ...btc.slice(12, 20)]) server.broadcast(JSON.stringify(m));
    await until(() => r.ticks().length === 18, 20_000, "the trades after the gap");
    r.stop();
    await r.done;
    expect(r.items.length).toBe(18);
    expect(r.ticks()).toEqual(expected([...btc.slice(0, 10), ...btc.slice(12, 20)]));
    expect(gaps).toMatchObject([{ missed: 2, repaired: 0, left: 2, why: expect.stringContaining("HTTP 503") }]);
  });
});

describe("a feed whose gaps show only as time away", () => {
  it("repairs, after a reconnection, every trade printed between the last one seen and the first after it: each once", async () => {
    const server = await alpacaServer({ key: "K", secret: "S" });
    servers.push(server);
    const printed = alpacaTrades(600, ["AAPL", "MSFT"]);
    server.rest = alpacaHistory(printed, { key: "K", secret: "S" });
    const gaps: GapReport[] = [];
    const o = options(server.url);
    o.protocol = alpacaFeed({
      dataFeed: "iex",
      symbols: ["AAPL", "MSFT"],
      channels: ["trades"],
      key: "K",
      secret: "S",
      keyNames: { key: "KEY_ENV", secret: "SECRET_ENV" },
      url: server.url,
      rest: server.restUrl,
    });
    o.repair = { enabled: true, maxTrades: 1000, maxSeconds: 10 };
    // As the feed source does: a trade produced already is skipped.
    const produced = new RecentIds(10_000);
    o.accept = (tick) => produced.add(tick.id!);
    const r = reader(o);
    o.events = { ...o.events, onGap: (_f, g) => gaps.push(g) };
    await until(() => server.subscribed() === 1, 5000, "the subscription");
    server.broadcast(JSON.stringify(printed.slice(0, 200)));
    await until(() => r.ticks().length === 200);
    server.drop();
    await until(() => server.subscribed() === 2, 5000, "the second subscription");
    // The market went on while the feed was away: trades 200–349 were never sent.
    server.broadcast(JSON.stringify(printed.slice(350)));
    await until(() => r.ticks().length === 600, 10_000, "every trade");
    r.stop();
    await r.done;
    const expected = new FeedServerTicks(printed);
    for (const symbol of ["AAPL", "MSFT"]) expect(r.ticks().filter((t) => t.symbol === symbol)).toEqual(expected.of(symbol));
    const [aapl, msft] = [printed[198]!, printed[199]!];
    expect(gaps).toEqual([
      {
        detail: `AAPL: trades from ${aapl.t} to ${printed[350]!.t} (while the feed was away)`,
        missed: 76,
        repaired: 76,
        left: 0,
        calls: 1,
        complete: true,
      },
      {
        detail: `MSFT: trades from ${msft.t} to ${printed[351]!.t} (while the feed was away)`,
        missed: 76,
        repaired: 76,
        left: 0,
        calls: 1,
        complete: true,
      },
    ]);
  });
});

/** The ticks a session of the feed makes of trades streamed once each. */
class FeedServerTicks {
  constructor(private readonly printed: ReturnType<typeof alpacaTrades>) {}
  of(symbol: string) {
    const session = alpacaFeed({
      dataFeed: "iex",
      symbols: [symbol],
      channels: ["trades"],
      key: "",
      secret: "",
      keyNames: { key: "", secret: "" },
    }).session();
    return session.receive(JSON.stringify(this.printed.filter((t) => t.S === symbol))).flatMap((e) => (e.kind === "tick" ? [e.tick] : []));
  }
}
