import { describe, expect, it } from "vitest";
import { coinbaseFeed, decodeCoinbase } from "../../../../src/sources/feeds/coinbase";

/** The documented example match, as a frame. */
const match = (fields: Record<string, unknown> = {}) =>
  JSON.stringify({
    type: "match",
    trade_id: 10,
    sequence: 50,
    maker_order_id: "ac928c66-ca53-498f-9c13-a110027a60e8",
    taker_order_id: "132fb6ae-456b-4654-b4e0-d681ac05cea1",
    time: "2014-11-07T08:19:27.028459Z",
    product_id: "BTC-USD",
    size: "5.23512",
    price: "400.23",
    side: "sell",
    ...fields,
  });

describe("the coinbase feed", () => {
  it("subscribes the matches and heartbeats of its products, and takes the confirmation that lists them", () => {
    const f = coinbaseFeed({ symbols: ["BTC-USD", "ETH-EUR"] });
    expect(f.url).toBe("wss://ws-feed.exchange.coinbase.com");
    expect(JSON.parse(f.session().opened()[0]!)).toEqual({
      type: "subscribe",
      product_ids: ["BTC-USD", "ETH-EUR"],
      channels: ["matches", "heartbeat"],
    });
    const s = f.session();
    const confirm = (ids: string[]) =>
      JSON.stringify({
        type: "subscriptions",
        channels: [
          { name: "matches", product_ids: ids },
          { name: "heartbeat", product_ids: ids },
        ],
      });
    expect(s.receive(confirm(["BTC-USD", "ETH-EUR"]))).toEqual([{ kind: "subscribed", detail: "matches of BTC-USD, ETH-EUR" }]);
    expect(s.receive(confirm(["BTC-USD"]))[0]).toMatchObject({
      kind: "refused",
      message: "coinbase did not subscribe the matches of ETH-EUR",
    });
  });

  it("makes a match a tick: decimal texts exact, microseconds cut to milliseconds, the trade id as seq", () => {
    const [e] = decodeCoinbase(match(), [], new Map());
    expect(e).toMatchObject({
      kind: "tick",
      tick: { symbol: "BTC-USD", ts: "2014-11-07T08:19:27.028Z", price: 400.23, volume: 5.23512, source: "coinbase", seq: 10 },
    });
    // The same trade again is the same tick; another trade id another.
    expect(decodeCoinbase(match(), [], new Map())).toEqual([e]);
    expect(decodeCoinbase(match({ trade_id: 11 }), [], new Map())[0]).not.toEqual(e);
  });

  it("counts trade ids that never came, from a later trade or a heartbeat, and not a trade sent again", () => {
    const last = new Map<string, number>();
    const kinds = (frame: string) =>
      decodeCoinbase(frame, [], last).map((e) => (e.kind === "gap" ? `gap ${e.missed}: ${e.detail}` : e.kind));
    expect(kinds(match({ trade_id: 10 }))).toEqual(["tick"]);
    expect(kinds(match({ trade_id: 11 }))).toEqual(["tick"]);
    expect(kinds(match({ trade_id: 14 }))).toEqual(["gap 2: BTC-USD: trade ids 12–13 never arrived", "tick"]);
    expect(kinds(match({ trade_id: 12 }))).toEqual(["tick"]);
    expect(kinds(JSON.stringify({ type: "heartbeat", sequence: 90, last_trade_id: 14, product_id: "BTC-USD", time: "x" }))).toEqual([
      "ignored",
    ]);
    expect(kinds(JSON.stringify({ type: "heartbeat", sequence: 91, last_trade_id: 15, product_id: "BTC-USD", time: "x" }))).toEqual([
      "gap 1: BTC-USD: trade id 15 never arrived",
    ]);
    // Another product counts on its own.
    expect(kinds(match({ trade_id: 3, product_id: "ETH-USD" }))).toEqual(["tick"]);
  });

  it("refuses an error in one line, and rejects bad frames and fields with their reasons", () => {
    expect(
      decodeCoinbase(
        JSON.stringify({ type: "error", message: "Failed to subscribe", reason: "X-Y is not a valid product" }),
        [],
        new Map(),
      ),
    ).toEqual([
      {
        kind: "refused",
        message: "coinbase refused the subscription: Failed to subscribe (X-Y is not a valid product)",
        hint: "check the product ids (BTC-USD, ETH-EUR, …) in --symbols",
      },
    ]);
    const reason = (frame: string) => decodeCoinbase(frame, [], new Map()).map((e) => (e.kind === "rejected" ? e.reason : e.kind));
    expect(reason("{")).toEqual(["not JSON"]);
    expect(reason('{"type":"ticker"}')).toEqual(["unknown message"]);
    expect(reason(match({ price: "-1" }))).toEqual(["price not > 0"]);
    expect(reason(match({ price: "abc" }))).toEqual(["price not a number"]);
    expect(reason(match({ size: "0.000000001" }))).toEqual(["volume too precise"]);
    expect(reason(match({ time: "yesterday" }))).toEqual(["unparseable date"]);
  });

  it("with quotes, subscribes the ticker channel too and makes each ticker a quote tick: best bid and ask with their sizes", () => {
    const f = coinbaseFeed({ symbols: ["BTC-USD"], quotes: true });
    expect(JSON.parse(f.session().opened()[0]!).channels).toEqual(["matches", "heartbeat", "ticker"]);
    // The documented example ticker message.
    const ticker = {
      type: "ticker",
      sequence: 37475248783,
      product_id: "ETH-USD",
      price: "1285.22",
      open_24h: "1310.79",
      volume_24h: "245532.79269678",
      best_bid: "1285.04",
      best_bid_size: "0.46688654",
      best_ask: "1285.27",
      best_ask_size: "1.56637040",
      side: "buy",
      time: "2022-10-19T23:28:22.061769Z",
      trade_id: 370843401,
      last_size: "11.4396987",
    };
    const [e] = decodeCoinbase(JSON.stringify(ticker), ["ETH-USD"], new Map(), true);
    expect(e).toMatchObject({
      kind: "tick",
      tick: {
        symbol: "ETH-USD",
        ts: "2022-10-19T23:28:22.061Z",
        price: 1285.155,
        bid: 1285.04,
        ask: 1285.27,
        bidSize: 0.46688654,
        askSize: 1.5663704,
        source: "coinbase:quotes",
      },
    });
    expect((e as { tick: { volume?: number } }).tick.volume).toBeUndefined();
    // The same message twice is one quote; without quotes a ticker is not expected.
    expect(decodeCoinbase(JSON.stringify(ticker), ["ETH-USD"], new Map(), true)).toEqual([e]);
    expect(decodeCoinbase(JSON.stringify(ticker), ["ETH-USD"], new Map())).toMatchObject([{ kind: "rejected", reason: "unknown message" }]);
  });
});
