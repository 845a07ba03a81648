/**
 * Gap repair against local servers answering as the venues' REST trade histories do (paged, newest first or
 * ascending, rate-limited): exactly the missing trades, in id order, each the same tick as the streamed trade.
 */
import { afterEach, describe, expect, it } from "vitest";
import { alpacaFeed, alpacaHistory as alpacaRest } from "../../../../src/sources/feeds/alpaca";
import { binanceHistory as binanceRest, decodeBinance } from "../../../../src/sources/feeds/binance";
import { coinbaseHistory as coinbaseRest, decodeCoinbase } from "../../../../src/sources/feeds/coinbase";
import { type RepairLimits, repairGap } from "../../../../src/sources/feeds/repair";
import type { FeedEvent } from "../../../../src/sources/feeds/types";
import {
  alpacaHistory,
  alpacaTrades,
  binanceHistory,
  binanceTrades,
  coinbaseHistory,
  coinbaseMatches,
  FeedServer,
} from "../../../feeds/servers";

const servers: FeedServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});
async function server(): Promise<FeedServer> {
  const s = await FeedServer.start();
  servers.push(s);
  return s;
}

const LIMITS: RepairLimits = { enabled: true, maxTrades: 100_000, maxSeconds: 30 };
const ticksOf = (events: FeedEvent[]) => events.flatMap((e) => (e.kind === "tick" ? [e.tick] : []));

describe("repairing a coinbase gap", () => {
  const printed = coinbaseMatches(6000, ["BTC-USD", "ETH-USD"], 1000);
  /** The ticks the feed makes of the printed matches of one product with ids first–last, streamed. */
  const streamed = (product: string, first: number, last: number) =>
    printed
      .filter((m) => m.product_id === product && m.trade_id >= first && m.trade_id <= last)
      .flatMap((m) => ticksOf(decodeCoinbase(JSON.stringify(m), [], new Map())));

  it("fetches exactly the missing trades, paging back by the after cursor, in id order and equal to the streamed ticks", async () => {
    const s = await server();
    s.rest = coinbaseHistory(printed);
    const r = await repairGap(coinbaseRest(s.restUrl), { symbol: "BTC-USD", first: 1200, last: 3699 }, LIMITS);
    expect(r).toMatchObject({ repaired: 2500, left: 0, calls: 3 });
    expect(r.why).toBeUndefined();
    expect(ticksOf(r.events)).toEqual(streamed("BTC-USD", 1200, 3699));
    expect(s.restRequests).toEqual([
      "/products/BTC-USD/trades?after=3700&limit=1000",
      "/products/BTC-USD/trades?after=2700&limit=1000",
      "/products/BTC-USD/trades?after=1700&limit=500",
    ]);
  });

  it("waits out a 429 and goes on; a history that keeps failing leaves the gap reported with the reason", async () => {
    const s = await server();
    s.rest = coinbaseHistory(printed, { throttle: { n: 1, retryAfter: 1 } });
    const started = Date.now();
    const r = await repairGap(coinbaseRest(s.restUrl), { symbol: "ETH-USD", first: 1010, last: 1012 }, LIMITS);
    expect(r).toMatchObject({ repaired: 3, left: 0, calls: 2 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(ticksOf(r.events)).toEqual(streamed("ETH-USD", 1010, 1012));

    s.rest = coinbaseHistory(printed, { failWith: 500 });
    const failed = await repairGap(coinbaseRest(s.restUrl), { symbol: "ETH-USD", first: 1010, last: 1012 }, { ...LIMITS, maxSeconds: 1 });
    expect(failed).toMatchObject({ repaired: 0, left: 3, events: [] });
    expect(failed.why).toBe(`${s.restUrl}: HTTP 500 Internal Server Error: {"message":"Internal server error"}`);
    expect(failed.calls).toBeGreaterThan(1);
  });

  it("stops at feeds.repair.maxTrades, and reports ids the history does not have", async () => {
    const s = await server();
    s.rest = coinbaseHistory(printed);
    const capped = await repairGap(coinbaseRest(s.restUrl), { symbol: "BTC-USD", first: 1000, last: 3999 }, { ...LIMITS, maxTrades: 1200 });
    expect(capped).toMatchObject({ repaired: 1200, left: 1800, why: "more than feeds.repair.maxTrades (1200) missed" });
    expect(ticksOf(capped.events)).toEqual(streamed("BTC-USD", 1000, 2199));
    // The history ends at 3999: ids beyond it were never printed (or are no longer kept).
    const beyond = await repairGap(coinbaseRest(s.restUrl), { symbol: "BTC-USD", first: 3990, last: 4010 }, LIMITS);
    expect(beyond).toMatchObject({ repaired: 10, left: 11, why: `${s.restUrl} did not have them` });
  });
});

describe("repairing a binance gap", () => {
  const printed = binanceTrades(5000, ["BTCUSDT", "ETHBTC"], 77_000);
  const streamed = (symbol: string, first: number, last: number) =>
    printed.filter((t) => t.s === symbol && t.t >= first && t.t <= last).flatMap((t) => ticksOf(decodeBinance(JSON.stringify(t), [])));

  it("fetches exactly the missing trades from the old trade lookup, paging forward by fromId", async () => {
    const s = await server();
    s.rest = binanceHistory(printed);
    const r = await repairGap(binanceRest(s.restUrl), { symbol: "ETHBTC", first: 77_100, last: 78_599 }, LIMITS);
    expect(r).toMatchObject({ repaired: 1500, left: 0, calls: 2 });
    expect(ticksOf(r.events)).toEqual(streamed("ETHBTC", 77_100, 78_599));
    expect(s.restRequests).toEqual([
      "/api/v3/historicalTrades?symbol=ETHBTC&fromId=77100&limit=1000",
      "/api/v3/historicalTrades?symbol=ETHBTC&fromId=78100&limit=500",
    ]);
  });

  it("waits for the next minute when the minute's request weight is nearly spent", () => {
    const h = binanceRest("http://venue");
    const page = (used: string) =>
      h.read(
        { body: [{ id: 5, price: "1.5", qty: "2", time: 1704205800000 }], headers: new Headers({ "x-mbx-used-weight-1m": used }) },
        {
          symbol: "BTCUSDT",
          first: 5,
          last: 9,
        },
      );
    expect(page("100").waitMs).toBeUndefined();
    expect(page("100").rest).toEqual({ symbol: "BTCUSDT", first: 6, last: 9 });
    const wait = page("5990").waitMs!;
    expect(wait).toBeGreaterThan(100);
    expect(wait).toBeLessThanOrEqual(60_100);
  });

  it("counts a gap in a symbol's trade ids, across reconnections, and not a trade sent again", () => {
    const last = new Map<string, number>();
    const kinds = (t: Record<string, unknown>) =>
      decodeBinance(
        JSON.stringify({ e: "trade", E: 1, s: "BTCUSDT", p: "1", q: "1", T: 1704205800000, m: false, M: true, ...t }),
        [],
        last,
      ).map((e) => (e.kind === "gap" ? `gap ${e.missed}: ${e.detail} ${JSON.stringify(e.ids)}` : e.kind));
    expect(kinds({ t: 10 })).toEqual(["tick"]);
    expect(kinds({ t: 13 })).toEqual(['gap 2: BTCUSDT: trade ids 11–12 never arrived {"symbol":"BTCUSDT","first":11,"last":12}', "tick"]);
    expect(kinds({ t: 11 })).toEqual(["tick"]);
    expect(kinds({ t: 3, s: "ETHBTC" })).toEqual(["tick"]);
  });
});

describe("repairing an alpaca gap by time", () => {
  const printed = alpacaTrades(50_000, ["AAPL", "MSFT"]);
  const auth = { key: "K", secret: "S" };
  const feed = alpacaFeed({
    dataFeed: "iex",
    symbols: ["AAPL", "MSFT"],
    channels: ["trades"],
    ...auth,
    keyNames: { key: "A", secret: "B" },
  });
  /** What the stream makes of the trades, through a session of the feed. */
  const streamed = (list: typeof printed) => ticksOf(feed.session().receive(JSON.stringify(list)));
  const aapl = printed.filter((t) => t.S === "AAPL");

  it("fetches every trade printed in the window, both ends included, page by page with the key in the headers", async () => {
    const s = await server();
    s.rest = alpacaHistory(printed, auth, { throttle: { n: 1, retryAfter: 1 } });
    const window = { symbol: "AAPL", from: aapl[100]!.t, to: aapl[22_100]!.t };
    const r = await repairGap(alpacaRest(s.restUrl, { dataFeed: "iex", ...auth }, "alpaca:iex"), window, LIMITS);
    expect(r).toMatchObject({ repaired: 22_001, left: 0, complete: true, calls: 4 });
    expect(ticksOf(r.events)).toEqual(streamed(aapl.slice(100, 22_101)));
    expect(s.restRequests.length).toBe(4);
    expect(s.restRequests[1]).toBe(
      `/v2/stocks/AAPL/trades?start=${encodeURIComponent(window.from)}&end=${encodeURIComponent(window.to)}&limit=10000&feed=iex`,
    );
    expect(s.restRequests[2]).toMatch(/&page_token=/);
  });

  it("is not whole when the history refuses the key or keeps failing, or more than maxTrades were printed", async () => {
    const s = await server();
    s.rest = alpacaHistory(printed, auth);
    const window = { symbol: "MSFT", from: printed[1]!.t, to: printed[40_001]!.t };
    const wrongKey = await repairGap(alpacaRest(s.restUrl, { dataFeed: "iex", key: "K", secret: "x" }, "alpaca:iex"), window, LIMITS);
    expect(wrongKey).toMatchObject({ repaired: 0, complete: false, calls: 1 });
    expect(wrongKey.why).toContain("HTTP 401");
    const capped = await repairGap(alpacaRest(s.restUrl, { dataFeed: "iex", ...auth }, "alpaca:iex"), window, {
      ...LIMITS,
      maxTrades: 15_000,
    });
    expect(capped).toMatchObject({
      repaired: 15_000,
      complete: false,
      why: "more than feeds.repair.maxTrades (15000) printed in the time",
    });
    expect(ticksOf(capped.events)).toEqual(streamed(printed.filter((t) => t.S === "MSFT").slice(0, 15_000)));
  });
});
