import { describe, expect, it } from "vitest";
import { binanceFeed, decodeBinance } from "../../../../src/sources/feeds/binance";

/** The documented example trade. */
const trade = {
  e: "trade",
  E: 1672515782136,
  s: "BNBBTC",
  t: 12345,
  p: "0.001",
  q: "100",
  b: 88,
  a: 50,
  T: 1672515782136,
  m: true,
  M: true,
};

describe("the binance feed", () => {
  it("subscribes the trade streams of its symbols in lower case, and takes the null result as the confirmation", () => {
    const f = binanceFeed({ symbols: ["BTCUSDT", "BNBBTC"] });
    expect(f.url).toBe("wss://stream.binance.com:9443/ws");
    expect(JSON.parse(f.session().opened()[0]!)).toEqual({ method: "SUBSCRIBE", params: ["btcusdt@trade", "bnbbtc@trade"], id: 1 });
    expect(decodeBinance('{"result":null,"id":1}', ["BTCUSDT"])).toEqual([{ kind: "subscribed", detail: "trades of BTCUSDT" }]);
    expect(decodeBinance('{"result":["btcusdt@trade"],"id":3}', ["BTCUSDT"])).toEqual([{ kind: "ignored" }]);
  });

  it("makes a trade a tick, raw or wrapped as a combined stream sends it", () => {
    const want = { symbol: "BNBBTC", ts: "2022-12-31T19:43:02.136Z", price: 0.001, volume: 100, source: "binance", seq: 12345 };
    expect(decodeBinance(JSON.stringify(trade), [])[0]).toMatchObject({ kind: "tick", tick: want });
    expect(decodeBinance(JSON.stringify({ stream: "bnbbtc@trade", data: trade }), [])[0]).toMatchObject({ kind: "tick", tick: want });
    expect(decodeBinance(JSON.stringify({ ...trade, q: "0.00700000" }), [])[0]).toMatchObject({ tick: { volume: 0.007 } });
  });

  it("refuses an error answer in one line, and rejects bad frames and fields with their reasons", () => {
    expect(decodeBinance('{"code":2,"msg":"Invalid request: missing field `method`","id":1}', ["BTCUSDT"])).toEqual([
      {
        kind: "refused",
        message: "binance refused the subscription to BTCUSDT (error 2: Invalid request: missing field `method`)",
        hint: "check --symbols: Binance's own symbols, e.g. BTCUSDT,ETHBTC",
      },
    ]);
    const reason = (frame: unknown) => decodeBinance(JSON.stringify(frame), []).map((e) => (e.kind === "rejected" ? e.reason : e.kind));
    expect(decodeBinance("nope", []).map((e) => (e.kind === "rejected" ? e.reason : e.kind))).toEqual(["not JSON"]);
    expect(reason({ e: "kline" })).toEqual(["unknown message"]);
    expect(reason({ ...trade, p: "0" })).toEqual(["price not > 0"]);
    expect(reason({ ...trade, T: "soon" })).toEqual(["unparseable date"]);
    expect(reason({ ...trade, s: "bnb btc" })).toEqual(["invalid symbol"]);
  });

  it("with quotes, subscribes the book tickers too and makes each a quote tick stamped with its arrival", () => {
    const f = binanceFeed({ symbols: ["BNBUSDT"], quotes: true });
    expect(JSON.parse(f.session().opened()[0]!).params).toEqual(["bnbusdt@trade", "bnbusdt@bookTicker"]);
    // The documented example book ticker, raw and as a combined stream wraps it.
    const book = { u: 400900217, s: "BNBUSDT", b: "25.35190000", B: "31.21000000", a: "25.36520000", A: "40.66000000" };
    const at = Date.UTC(2024, 0, 2, 14, 30, 0, 250);
    const [e] = f.session().receive(JSON.stringify(book), at);
    expect(e).toMatchObject({
      kind: "tick",
      tick: {
        symbol: "BNBUSDT",
        ts: "2024-01-02T14:30:00.250Z",
        price: 25.35855,
        bid: 25.3519,
        ask: 25.3652,
        bidSize: 31.21,
        askSize: 40.66,
        source: "binance:quotes",
      },
    });
    expect(f.session().receive(JSON.stringify({ stream: "bnbusdt@bookTicker", data: book }), at)).toEqual([e]);
    expect(decodeBinance(JSON.stringify(book), ["BNBUSDT"])).toMatchObject([{ kind: "rejected", reason: "unknown message" }]);
  });
});
