/** The HTTP quote source against a local HTTP server of the test's own. */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type HttpOptions, HttpSource, redactUrl } from "../../../src/sources/http";
import type { SourceItem } from "../../../src/sources/types";

let server: Server | undefined;
afterEach(() => server?.close());

async function serve(
  handler: (req: IncomingMessage, n: number) => { status?: number; body: unknown; headers?: Record<string, string> },
): Promise<{ url: string; requests: IncomingMessage[] }> {
  const requests: IncomingMessage[] = [];
  server = createServer((req, res) => {
    requests.push(req);
    const out = handler(req, requests.length);
    res.writeHead(out.status ?? 200, { "content-type": "application/json", ...out.headers });
    res.end(typeof out.body === "string" ? out.body : JSON.stringify(out.body));
  });
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

async function collect(o: Partial<HttpOptions> & Pick<HttpOptions, "url">): Promise<SourceItem[]> {
  const source = new HttpSource({ symbols: [], intervalMs: 10, shape: "auto", map: {}, timeZone: "America/New_York", maxPolls: 1, ...o });
  const out: SourceItem[] = [];
  for await (const item of source.items(new AbortController().signal)) out.push(item);
  return out;
}

const yahoo = (price: number, time = 1710509400) => ({
  quoteResponse: {
    result: [
      {
        symbol: "AAPL",
        regularMarketPrice: price,
        regularMarketTime: time,
        regularMarketVolume: 1000,
        regularMarketOpen: 170,
        regularMarketDayHigh: 175,
        regularMarketDayLow: 169,
        bid: price - 0.01,
        ask: price + 0.01,
        currency: "USD",
      },
      { symbol: "MSFT", regularMarketPrice: 420.5, regularMarketTime: time, regularMarketVolume: 500, currency: "USD" },
    ],
  },
});

describe("HTTP quote source", () => {
  it("maps Yahoo's quoteResponse, one request for all symbols", async () => {
    const { url, requests } = await serve(() => ({ body: yahoo(172.5) }));
    const items = await collect({ url: `${url}/v7/finance/quote?symbols={symbols}`, symbols: ["AAPL", "MSFT"] });
    expect(requests.map((r) => r.url)).toEqual(["/v7/finance/quote?symbols=AAPL,MSFT"]);
    expect(items.map((i) => (i.kind === "tick" ? i.tick : i))).toEqual([
      expect.objectContaining({
        symbol: "AAPL",
        ts: "2024-03-15T13:30:00.000Z",
        price: 172.5,
        open: 170,
        high: 175,
        low: 169,
        volume: 1000,
        bid: 172.49,
        ask: 172.51,
        currency: "USD",
        source: `http:${new URL(url).host}`,
      }),
      expect.objectContaining({ symbol: "MSFT", price: 420.5, volume: 500 }),
    ]);
  });

  it("maps Finnhub's /quote per symbol, with the key from a header, never in the URL", async () => {
    const { url, requests } = await serve((req) => ({
      body: { c: req.url!.includes("AAPL") ? 172.5 : 420.5, h: 175, l: 169, o: 170, pc: 171, t: 1710509400 },
    }));
    const items = await collect({
      url: `${url}/quote?symbol={symbol}`,
      symbols: ["AAPL", "MSFT"],
      shape: "finnhub",
      apiKey: "sekret-key",
      apiKeyHeader: "X-Finnhub-Token",
    });
    expect(requests.map((r) => [r.url, r.headers["x-finnhub-token"]])).toEqual([
      ["/quote?symbol=AAPL", "sekret-key"],
      ["/quote?symbol=MSFT", "sekret-key"],
    ]);
    expect(items.map((i) => i.kind === "tick" && [i.tick.symbol, i.tick.price, i.tick.high, i.tick.low])).toEqual([
      ["AAPL", 172.5, 175, 169],
      ["MSFT", 420.5, 175, 169],
    ]);
  });

  it("maps Alpha Vantage's GLOBAL_QUOTE with string numbers and a trading day", async () => {
    const { url } = await serve(() => ({
      body: {
        "Global Quote": {
          "01. symbol": "IBM",
          "02. open": "190.1",
          "03. high": "192.0",
          "04. low": "189.5",
          "05. price": "191.25",
          "06. volume": "3500000",
          "07. latest trading day": "2024-03-15",
        },
      },
    }));
    const [item] = await collect({
      url: `${url}/query?function=GLOBAL_QUOTE&symbol={symbol}&apikey={apiKey}`,
      symbols: ["IBM"],
      apiKey: "k&y",
    });
    expect(item).toMatchObject({
      kind: "tick",
      tick: { symbol: "IBM", ts: "2024-03-15T04:00:00.000Z", price: 191.25, open: 190.1, volume: 3500000 },
    });
  });

  it("maps any JSON with --map dotted paths and --records", async () => {
    const { url } = await serve(() => ({
      body: {
        data: {
          quotes: [
            { sym: "abc", px: { last: 12.5 }, at: "2024-03-15T13:30:00Z" },
            { sym: "XYZ", px: { last: "oops" }, at: "2024-03-15T13:30:00Z" },
          ],
        },
      },
    }));
    const items = await collect({ url, shape: "generic", records: "data.quotes", map: { symbol: "sym", price: "px.last", ts: "at" } });
    expect(items[0]).toMatchObject({ kind: "tick", tick: { symbol: "ABC", price: 12.5, ts: "2024-03-15T13:30:00.000Z" } });
    expect(items[1]).toMatchObject({ kind: "rejected", reason: "price not a number" });
  });

  it("does not re-send a quote that has not changed", async () => {
    const { url } = await serve((_req, n) => ({ body: yahoo(n <= 2 ? 172.5 : 173, n <= 2 ? 1710509400 : 1710509460) }));
    const items = await collect({ url, symbols: ["AAPL", "MSFT"], maxPolls: 3 });
    expect(items.filter((i) => i.kind === "tick").map((i) => i.kind === "tick" && [i.tick.symbol, i.tick.price])).toEqual([
      ["AAPL", 172.5],
      ["MSFT", 420.5],
      ["AAPL", 173],
      ["MSFT", 420.5],
    ]);
  });

  it("backs off exponentially on 429 and 5xx, honouring Retry-After, then recovers", async () => {
    const { url, requests } = await serve((_req, n) =>
      n === 1
        ? { status: 429, body: "slow down", headers: { "retry-after": "0.2" } }
        : n === 2
          ? { status: 503, body: "busy" }
          : { body: yahoo(172.5) },
    );
    const statuses: string[] = [];
    const started = Date.now();
    const items = await collect({ url, symbols: ["AAPL"], maxPolls: 3, intervalMs: 50, onStatus: (m) => statuses.push(m) });
    const elapsed = Date.now() - started;
    expect(requests).toHaveLength(3);
    expect(statuses).toEqual([`${url}: HTTP 429; backing off`, `${url}: HTTP 503; backing off`]);
    // 200 ms (Retry-After), then doubled to 400 ms for the 503.
    expect(elapsed).toBeGreaterThanOrEqual(550);
    expect(items.filter((i) => i.kind === "tick")).toHaveLength(2);
  });

  it("reports non-JSON answers and 4xx as rejections, with the key redacted", async () => {
    const { url } = await serve((_req, n) => (n === 1 ? { body: "<html>" } : { status: 404, body: "nope" }));
    const items = await collect({ url: `${url}/q?symbol={symbol}&token={apiKey}`, symbols: ["AAPL", "MSFT"], apiKey: "topsecret" });
    expect(items.map((i) => i.kind === "rejected" && [i.reason, i.url])).toEqual([
      ["not JSON", `${url}/q?symbol=AAPL&token=***`],
      ["HTTP 404", `${url}/q?symbol=MSFT&token=***`],
    ]);
    expect(JSON.stringify(items)).not.toContain("topsecret");
    expect(redactUrl("https://x/q?k=a%26b", "a&b")).toBe("https://x/q?k=***");
  });
});
