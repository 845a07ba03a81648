import { describe, expect, it } from "vitest";
import { renamed } from "../../../../src/commands/fields";
import { SOURCE_FLAG_NAMES, sourceSpec } from "../../../../src/commands/produce/spec";
import { createSource } from "../../../../src/sources/registry";

const market = { timeZone: "UTC", env: {} };

describe("produce's source flags", () => {
  it("become the options of the source's kind, from the flags that give its fields (others are not its options)", () => {
    expect(sourceSpec("csv", { file: "a.csv", map: "symbol=Sym, ts=When", symbol: "aapl" })).toEqual({
      kind: "csv",
      file: "a.csv",
      map: { symbol: "Sym", ts: "When" },
      symbol: "aapl",
    });
    expect(sourceSpec("synthetic", { symbols: "aapl,msft", seed: "42", start: "2024-01-02T14:30:00Z", rate: "50" })).toEqual({
      kind: "synthetic",
      symbols: ["AAPL", "MSFT"],
      seed: 42,
      startMs: Date.parse("2024-01-02T14:30:00Z"),
      rate: 50,
    });
    expect(sourceSpec("synthetic", { symbols: "500" })).toMatchObject({ symbols: 500 });
    expect(sourceSpec("http", { url: "https://q.example/{symbol}", symbols: "AAPL", interval: "5s", shape: "finnhub" })).toEqual({
      kind: "http",
      url: "https://q.example/{symbol}",
      symbols: ["AAPL"],
      intervalMs: 5000,
      shape: "finnhub",
    });
    expect(
      sourceSpec("coinbase", { symbols: "btc-usd", restUrl: "https://rest.example/", file: "a.csv", dataFeed: "sip", apiKeyEnv: "K" }),
    ).toEqual({ kind: "coinbase", symbols: ["BTC-USD"], rest: "https://rest.example/" });
    expect(
      sourceSpec("alpaca", { symbols: "aapl", dataFeed: "sip", channels: "Trades,QUOTES", apiKeyEnv: "K", apiSecretEnv: "S" }),
    ).toEqual({
      kind: "alpaca",
      symbols: ["AAPL"],
      dataFeed: "sip",
      channels: ["trades", "quotes"],
      keyEnv: "K",
      secretEnv: "S",
    });
    expect(sourceSpec("finnhub", { apiKeyEnv: "T" })).toEqual({ kind: "finnhub", tokenEnv: "T" });
    // --quotes: a venue's top of book too; alpaca's quotes channel beside its trades.
    expect(sourceSpec("binance", { symbols: "BNBUSDT", quotes: true })).toEqual({ kind: "binance", symbols: ["BNBUSDT"], quotes: true });
    expect(sourceSpec("alpaca", { symbols: "AAPL", quotes: true })).toEqual({
      kind: "alpaca",
      symbols: ["AAPL"],
      channels: ["trades", "quotes"],
    });
    // A replay goes at the recorded pace unless told otherwise; max: as fast as it goes.
    expect(sourceSpec("replay", { file: "r.jsonl" })).toEqual({ kind: "replay", file: "r.jsonl", speed: 1 });
    expect(sourceSpec("replay", { file: "r.jsonl", speed: "max" })).toEqual({ kind: "replay", file: "r.jsonl" });
  });

  it("refuses malformed flags, naming the flag", () => {
    expect(() => sourceSpec("csv", { file: "a.csv", map: "price" })).toThrow('--map entry "price" must be field=column, e.g. price=Last');
    expect(() => sourceSpec("http", { url: "u", map: "price" })).toThrow('--map entry "price" must be field=dotted.path');
    expect(() => sourceSpec("synthetic", { seed: "-1" })).toThrow("--seed -1 must be a whole number from 0 to 4294967295");
    expect(() => sourceSpec("synthetic", { start: "soon" })).toThrow("--start soon is not an ISO-8601 time");
    expect(() => sourceSpec("http", { url: "u", interval: "often" })).toThrow("--interval often must be a duration of at least 100ms");
    expect(() => sourceSpec("replay", { file: "r", speed: "0" })).toThrow("--speed 0 must be a positive number or max");
  });

  it("words a source's own errors about its options with the flags", async () => {
    const fails = async (spec: Parameters<typeof createSource>[0]) => {
      try {
        await createSource(spec, market);
      } catch (err) {
        return (renamed(err, SOURCE_FLAG_NAMES) as Error).message;
      }
      throw new Error("expected the source to refuse");
    };
    expect(await fails({ kind: "synthetic", symbols: 200_000 })).toBe(
      "--symbols 200000: give 1 to 100000 generated symbols, or a list like AAPL,MSFT",
    );
    expect(await fails({ kind: "csv", file: "a.csv", map: { colour: "X" } })).toMatch(/^--map: unknown tick field "colour"/);
    expect(await fails({ kind: "http", url: "https://q.example/{symbol}", symbols: ["A"], intervalMs: 50, shape: "auto" })).toBe(
      "--interval 50ms must be a duration of at least 100ms, e.g. 2s",
    );
    expect(await fails({ kind: "http", url: "u", symbols: [], intervalMs: 1000, shape: "generic", map: { price: "p" } })).toBe(
      "--shape generic needs --map with at least price=… and ts=… (dotted paths into the response)",
    );
    expect(
      await fails({ kind: "http", url: "https://q.example/", symbols: [], intervalMs: 1000, shape: "auto", apiKeyEnv: "NO_SUCH_KEY" }),
    ).toBe("--api-key-env NO_SUCH_KEY: that environment variable is not set");
    expect(await fails({ kind: "http", url: "not a url", symbols: [], intervalMs: 1000, shape: "auto" })).toBe(
      '--url "not a url" is not a URL',
    );
    // Options that do not fit the kind's fields, checked by its kit.
    expect(await fails(sourceSpec("csv", {}))).toBe("--file is needed: a CSV file's path (or - for stdin)");
    expect(await fails(sourceSpec("ws", {}))).toBe("--url is needed: the feed's wss:// URL");
    expect(await fails(sourceSpec("replay", {}))).toBe("--file is needed: a recording made with --record");
    expect(await fails(sourceSpec("http", { url: "u", symbols: "5" }))).toBe("--symbols 5 must be a list of tickers, e.g. AAPL,MSFT");
    expect(await fails(sourceSpec("alpaca", { symbols: "AAPL", channels: "trades,bars" }))).toBe(
      '--channels[1] "bars": choose trades, quotes',
    );
    expect(await fails(sourceSpec("coinbase", { symbols: "BTC-USD", restUrl: "ftp://x" }))).toBe(
      '--rest-url "ftp://x" is not an http(s) URL, e.g. https://api.exchange.coinbase.com',
    );
    expect(await fails(sourceSpec("coinbase", {}))).toBe("--symbols is needed: the symbols to stream, e.g. BTC-USD,ETH-USD");
    expect(await fails({ kind: "coinbase", symbols: ["BTC-USD"], depth: 5 } as never)).toBe("depth: not an option of a coinbase source");
  });
});
