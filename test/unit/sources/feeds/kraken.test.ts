import { describe, expect, it } from "vitest";
import { decodeKraken, krakenFeed, krakenHistory } from "../../../../src/sources/feeds/kraken";
import type { IdGap } from "../../../../src/sources/feeds/types";

const fresh = () => ({ ids: new Map<string, number>(), ms: new Map<string, number>() });
const trade = (id: number, timestamp: string) =>
  JSON.stringify({
    channel: "trade",
    type: "update",
    data: [{ symbol: "BTC/USD", side: "buy", price: 30243.4, qty: 0.345, ord_type: "market", trade_id: id, timestamp }],
  });

describe("kraken", () => {
  it("is subscribed once every symbol is acknowledged; status, heartbeats and pongs say nothing", () => {
    const acked = new Set<string>();
    const ack = (symbol: string) => JSON.stringify({ method: "subscribe", success: true, result: { channel: "trade", symbol } });
    expect(decodeKraken(ack("BTC/USD"), ["BTC/USD", "ETH/EUR"], fresh(), acked)).toEqual([{ kind: "ignored" }]);
    expect(decodeKraken(ack("ETH/EUR"), ["BTC/USD", "ETH/EUR"], fresh(), acked)).toEqual([
      { kind: "subscribed", detail: "trades of BTC/USD, ETH/EUR" },
    ]);
    for (const frame of [{ channel: "heartbeat" }, { channel: "status", type: "update", data: [] }, { method: "pong" }])
      expect(decodeKraken(JSON.stringify(frame), ["BTC/USD"], fresh(), acked)).toEqual([{ kind: "ignored" }]);
  });

  it("reads the history from a millisecond before the last trade seen, across a restart too", () => {
    const last = fresh();
    decodeKraken(trade(100, "2024-01-02T14:30:00.123456Z"), ["BTC/USD"], last, new Set());
    const [gap] = decodeKraken(trade(104, "2024-01-02T14:30:01.000001Z"), ["BTC/USD"], last, new Set());
    expect(gap).toMatchObject({ kind: "gap", missed: 3, ids: { symbol: "BTC/USD", first: 101, last: 103, cursor: "1704205800122000000" } });
    // A new run takes where the last one left off from the topic's latest ticks.
    const feed = krakenFeed({ symbols: ["BTC/USD"], rest: "http://rest.test" });
    feed.resume?.([{ symbol: "BTC/USD", ts: "2024-01-02T14:30:00.123Z", price: 1, source: "kraken", seq: 100 }]);
    const events = feed.session().receive(trade(102, "2024-01-02T14:30:02.000000Z"));
    const resumed = events.find((e) => e.kind === "gap");
    expect(resumed).toMatchObject({ ids: { first: 101, last: 101, cursor: "1704205800122000000" } });
    expect(krakenHistory("http://rest.test").request((resumed as { ids: IdGap }).ids)).toBe(
      "http://rest.test/0/public/Trades?pair=BTCUSD&since=1704205800122000000&count=1000&assetVersion=1",
    );
  });

  it("reads a page of the history: its trades, the next page by `last`, an error in one line, a spent rate limit asked again", () => {
    const history = krakenHistory("http://rest.test");
    const gap: IdGap = { symbol: "BTC/USD", first: 61044952, last: 61044960, cursor: "1688669597000000000" };
    const page = history.read(
      {
        body: {
          error: [],
          result: {
            "BTC/USD": [
              ["30243.40000", "0.34507674", 1688669597.8277369, "b", "m", "", 61044952],
              ["30243.30000", "0.00376960", 1688669598.2804112, "s", "l", "", 61044953],
            ],
            last: "1688669598280411200",
          },
        },
        headers: new Headers(),
      },
      gap,
    );
    expect(page.events.map((e) => (e.kind === "tick" ? [e.tick.ts, e.tick.price, e.tick.volume, e.tick.seq] : e))).toEqual([
      ["2023-07-06T18:53:17.827Z", 30243.4, 0.34507674, 61044952],
      ["2023-07-06T18:53:18.280Z", 30243.3, 0.0037696, 61044953],
    ]);
    expect(page.rest).toEqual({ ...gap, cursor: "1688669598280411200" });
    expect(history.read({ body: { error: ["EQuery:Unknown asset pair"] }, headers: new Headers() }, gap)).toEqual({
      events: [{ kind: "rejected", reason: "unknown message", detail: "kraken's trade history: EQuery:Unknown asset pair" }],
    });
    expect(history.read({ body: { error: ["EGeneral:Too many requests"] }, headers: new Headers() }, gap)).toEqual({
      events: [],
      rest: gap,
      waitMs: 1000,
      again: true,
    });
  });
});
