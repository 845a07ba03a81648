/**
 * The crypto venues' feeds — Coinbase's matches channel and Binance's trade streams — into the real local Kafka,
 * each against a local server speaking its documented protocol and serving its REST trade history: ticks equal to
 * every trade the server's market printed (fractional sizes exact), those never sent repaired from the history,
 * a drop with trades sent again stored once in each sink, refusals in one line, and a recording replayed to the
 * same ticks.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { start } from "../faults/processes";
import {
  type BinanceTrade,
  binanceHistory,
  binanceServer,
  binanceTrades,
  type CoinbaseMatch,
  coinbaseHistory,
  coinbaseMatches,
  coinbaseServer,
  krakenHistory,
  krakenServer,
  krakenTrades,
  krakenWire,
  until,
} from "../feeds/servers";
import { feedTopics } from "../feeds/topics";
import { VENUES } from "../feeds/venues";
import { stockpipe, uniqueName } from "../helpers";

const { servers, keyspace, newTopic, readTopic, readAll, cleanup } = feedTopics("crypto");

afterAll(cleanup);

/** What a Coinbase match must become, from what the server sent: the decimal texts read as numbers. */
function fromMatch(m: CoinbaseMatch) {
  return {
    symbol: m.product_id,
    ts: `${m.time.slice(0, 23)}Z`,
    price: Number(m.price),
    volume: Number(m.size),
    source: "coinbase",
    seq: m.trade_id,
  };
}

function fromBinance(t: BinanceTrade) {
  return { symbol: t.s, ts: new Date(t.T).toISOString(), price: Number(t.p), volume: Number(t.q), source: "binance", seq: t.t };
}

const order = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  String(a.symbol).localeCompare(String(b.symbol)) || Number(a.seq) - Number(b.seq);
const withoutId = (list: Record<string, unknown>[]) => list.map(({ id: _id, ...rest }) => rest);

describe("crypto feeds", () => {
  it("streams every Coinbase trade exactly once: those never sent repaired from the history, those sent again after a drop skipped; verify is clean", async () => {
    const server = await coinbaseServer(["BTC-USD", "ETH-USD"]);
    servers.push(server);
    const topic = await newTopic();
    const matches = coinbaseMatches(300, ["BTC-USD", "ETH-USD"], 1000);
    // The history holds every trade the market printed, and asks once to slow down.
    server.rest = coinbaseHistory(matches, { throttle: { n: 1, retryAfter: 1 } });
    // Never sent: three BTC-USD trades (the next trade shows the gap) and two ETH-USD ones (a heartbeat shows it).
    const index = (product: string, id: number) => matches.findIndex((m) => m.product_id === product && m.trade_id === id);
    const skipped = new Set([...[1010, 1011, 1012].map((id) => index("BTC-USD", id)), index("ETH-USD", 1020), index("ETH-USD", 1021)]);
    const p = start(
      [
        "produce",
        "--source",
        "coinbase",
        "--url",
        server.url,
        "--rest-url",
        server.restUrl,
        "--symbols",
        "btc-usd,ETH-USD",
        "--topic",
        topic,
        "--limit",
        String(matches.length),
        "-f",
        "json",
      ],
      { STOCKPIPE_FEEDS_BACKOFF_MS: "100" },
    );
    await until(() => server.subscribed() === 1, 30_000, "the subscription");
    for (let i = 0; i < 180; i++) {
      if (!skipped.has(i)) server.broadcast(JSON.stringify(matches[i]));
      if (i === index("ETH-USD", 1021))
        server.broadcast(
          JSON.stringify({ type: "heartbeat", sequence: 90, last_trade_id: 1021, product_id: "ETH-USD", time: matches[i]!.time }),
        );
      if (i === 100) server.broadcast(JSON.stringify({ type: "ticker", product_id: "ETH-USD", price: "2301.5" }));
    }
    await new Promise((r) => setTimeout(r, 500));
    server.drop();
    await until(() => server.subscribed() === 2, 30_000, "the second subscription");
    // After the reconnection: the last 50 again (the first of them as last_match), then the rest.
    const again = matches.slice(130, 300);
    server.broadcast(JSON.stringify({ ...again[0], type: "last_match" }));
    for (const m of again.slice(1)) server.broadcast(JSON.stringify(m));
    expect(await p.done, p.err()).toBe(0);
    const summary = JSON.parse(p.out());
    expect(summary).toMatchObject({
      source: "coinbase",
      sent: matches.length,
      rejectedByReason: { "unknown message": 1 },
      feed: { connections: 2, reconnects: 1, duplicates: 50, gaps: 2, repaired: 5, restCalls: 3, missed: 0 },
    });
    expect(p.err()).toMatch(/coinbase: BTC-USD: trade ids 1010–1012 never arrived; 3 repaired \(2 REST calls\)/);
    expect(p.err()).toMatch(/coinbase: ETH-USD: trade ids 1020–1021 never arrived; 2 repaired \(1 REST call\)/);
    expect(server.restRequests).toEqual([
      "/products/BTC-USD/trades?after=1013&limit=3",
      "/products/BTC-USD/trades?after=1013&limit=3",
      "/products/ETH-USD/trades?after=1022&limit=2",
    ]);
    // What the dashboard's health panel shows of the feed: its last status, written as produce stopped.
    const statuses = await readAll(`${topic}.feed-status`);
    expect(statuses.at(-1)).toMatchObject({
      source: "coinbase",
      feed: "coinbase",
      endpoint: new URL(server.url).toString(),
      topic,
      state: "stopped",
      ...summary.feed,
      sent: matches.length,
      lastGap: { detail: expect.stringMatching(/^(BTC-USD: trade ids 1010–1012|ETH-USD: trade ids 1020–1021) never arrived$/) },
    });
    expect(statuses.map((s) => s.state)).toContain("streaming");
    // Every trade the market printed, once: those sent, and those repaired.
    const ticks = (await readTopic(topic, matches.length)).sort(order);
    expect(withoutId(ticks)).toEqual(matches.map(fromMatch).sort(order));
    expect(ticks.some((t) => !Number.isInteger(t.volume))).toBe(true);

    const env = { STOCKPIPE_KAFKA_TOPIC: topic, STOCKPIPE_CASSANDRA_KEYSPACE: keyspace, STOCKPIPE_S3_PREFIX: `test/${topic}` };
    expect((await stockpipe(["schema", "cassandra"], { env })).code).toBe(0);
    for (const sink of ["cassandra", "s3"]) {
      const c = await stockpipe(["consume", "--sink", sink, "-g", uniqueName(`crypto-${sink}`), "--exit-at-end", "-f", "json"], { env });
      expect(c.code, c.stderr).toBe(0);
    }
    const lake = await stockpipe(["query", "--engine", "local", "-f", "json", "SELECT seq, symbol, volume_dec FROM ticks"], { env });
    const stored = (JSON.parse(lake.stdout) as { seq: number; symbol: string; volume_dec: string }[])
      .map((r) => [r.symbol, r.seq, Number(r.volume_dec)])
      .sort((a, b) => String(a[0]).localeCompare(String(b[0])) || Number(a[1]) - Number(b[1]));
    expect(stored).toEqual(
      matches
        .map(fromMatch)
        .sort(order)
        .map((t) => [t.symbol, t.seq, t.volume]),
    );
    const v = await stockpipe(["verify", "-f", "json"], { env });
    expect(v.code, v.stdout + v.stderr).toBe(0);
  });

  it("resumes where the last run left off: the trades printed while produce was not running are repaired, none produced twice", async () => {
    const server = await coinbaseServer(["BTC-USD", "ETH-USD"]);
    servers.push(server);
    const topic = await newTopic();
    const matches = coinbaseMatches(400, ["BTC-USD", "ETH-USD"], 7000);
    server.rest = coinbaseHistory(matches);
    const args = (limit: number) =>
      ["produce", "--source", "coinbase", "--url", server.url, "--rest-url", server.restUrl, "--symbols", "BTC-USD,ETH-USD"].concat([
        "--topic",
        topic,
        "--limit",
        String(limit),
        "-f",
        "json",
      ]);
    const first = start(args(100), {});
    await until(() => server.subscribed() === 1, 30_000, "the first run's subscription");
    for (const m of matches.slice(0, 100)) server.broadcast(JSON.stringify(m));
    expect(await first.done, first.err()).toBe(0);
    // Trades 100–249 are printed while nothing runs. The next run subscribes; the venue starts from the present,
    // with the last match (249) — and, as venues do, it sends again one trade the first run had.
    const second = start(args(300), {});
    await until(() => server.subscribed() === 2, 30_000, "the second run's subscription");
    server.broadcast(JSON.stringify(matches[99]));
    server.broadcast(JSON.stringify({ ...matches[249], type: "last_match" }));
    for (const m of matches.slice(250)) server.broadcast(JSON.stringify(m));
    expect(await second.done, second.err()).toBe(0);
    expect(JSON.parse(second.out())).toMatchObject({ sent: 300, feed: { gaps: 2, gapsLeft: 0, repaired: 149, missed: 0, duplicates: 1 } });
    const ticks = (await readTopic(topic, 400)).sort(order);
    expect(withoutId(ticks)).toEqual(matches.map(fromMatch).sort(order));
  });

  it("stops in one line, exit 1, when Coinbase refuses a product", async () => {
    const server = await coinbaseServer(["BTC-USD"]);
    servers.push(server);
    const r = await stockpipe(
      ["produce", "--source", "coinbase", "--url", server.url, "--symbols", "BTC-USD,DOGE-XYZ", "--topic", await newTopic()],
      {
        timeoutMs: 30_000,
      },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `error: coinbase at ${server.url}: coinbase refused the subscription: Failed to subscribe (DOGE-XYZ is not a valid product) — check the product ids (BTC-USD, ETH-EUR, …) in --symbols`,
    );
    expect(server.connections).toBe(1);
  });

  it("streams every Binance trade exactly, repairing a gap from the history; records them, and replays the recording to the same ticks; a refused subscription is one line", async () => {
    const server = await binanceServer();
    servers.push(server);
    const topic = await newTopic();
    const trades = binanceTrades(120, ["BTCUSDT", "ETHBTC"], 77_000);
    server.rest = binanceHistory(trades);
    // Never sent: four ETHBTC trades in a row.
    const skipped = new Set(trades.filter((t) => t.s === "ETHBTC" && t.t >= 77_030 && t.t < 77_034));
    const recording = join(mkdtempSync(join(tmpdir(), "sp-binance-")), "binance.jsonl");
    const p = start(
      [
        "produce",
        "--source",
        "binance",
        "--url",
        server.url,
        "--rest-url",
        server.restUrl,
        "--symbols",
        "btcusdt,ETHBTC",
        "--topic",
        topic,
        "--limit",
        "120",
        "--record",
        recording,
        "-f",
        "json",
      ],
      {},
    );
    await until(() => server.subscribed() === 1, 30_000, "the subscription");
    expect(JSON.parse(server.received[0]!)).toEqual({ method: "SUBSCRIBE", params: ["btcusdt@trade", "ethbtc@trade"], id: 1 });
    // Half raw, half wrapped as a combined stream sends them.
    for (const [i, t] of trades.entries())
      if (!skipped.has(t)) server.broadcast(JSON.stringify(i % 2 ? t : { stream: `${t.s.toLowerCase()}@trade`, data: t }));
    expect(await p.done, p.err()).toBe(0);
    expect(JSON.parse(p.out())).toMatchObject({
      source: "binance",
      sent: 120,
      rejected: 0,
      feed: { gaps: 1, repaired: 4, restCalls: 1, missed: 0 },
    });
    expect(server.restRequests).toEqual(["/api/v3/historicalTrades?symbol=ETHBTC&fromId=77030&limit=4"]);
    const ticks = (await readTopic(topic, 120)).sort(order);
    expect(withoutId(ticks)).toEqual(trades.map(fromBinance).sort(order));

    const replayed = await newTopic();
    const replay = await stockpipe([
      "produce",
      "--source",
      "replay",
      "--file",
      recording,
      "--speed",
      "max",
      "--topic",
      replayed,
      "-f",
      "json",
    ]);
    expect(replay.code, replay.stderr).toBe(0);
    expect(JSON.parse(replay.stdout)).toMatchObject({ source: "replay:binance", sent: 120, feed: { gaps: 1, repaired: 4, missed: 0 } });
    expect((await readTopic(replayed, 120)).sort(order)).toEqual(ticks);

    const refused = await stockpipe(["produce", "--source", "binance", "--url", server.url, "--symbols", "BTC/USDT", "--topic", topic], {
      timeoutMs: 30_000,
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      "binance refused the subscription to BTC/USDT (error 2: Invalid request: invalid stream name btc/usdt@trade) — check --symbols: Binance's own symbols, e.g. BTCUSDT,ETHBTC",
    );
  });

  it("streams every Kraken trade exactly once from a sources: entry, repairing a gap from the recent trades by time", async () => {
    const server = await krakenServer(["BTC/USD", "ETH/EUR"]);
    servers.push(server);
    const topic = await newTopic();
    const trades = krakenTrades(150, ["BTC/USD", "ETH/EUR"], 61_044_952);
    // The history asks once to slow down, as Kraken does: in the body of a 200.
    server.rest = krakenHistory(trades, { throttle: { n: 1 } });
    // Never sent: six BTC/USD trades in a row.
    const skipped = new Set(trades.filter((t) => t.symbol === "BTC/USD" && t.trade_id >= 61_044_990 && t.trade_id < 61_044_996));
    const config = join(mkdtempSync(join(tmpdir(), "sp-kraken-")), "stockpipe.json");
    writeFileSync(
      config,
      JSON.stringify({
        sources: [{ kind: "kraken", name: "majors", symbols: ["BTC/USD", "ETH/EUR"], url: server.url, rest: server.restUrl, topic }],
      }),
    );
    const p = start(["produce", "--limit", "150", "-f", "json"], { STOCKPIPE_CONFIG: config });
    await until(() => server.subscribed() === 1, 30_000, "the subscription");
    expect(JSON.parse(server.received[0]!)).toEqual({
      method: "subscribe",
      params: { channel: "trade", symbol: ["BTC/USD", "ETH/EUR"], snapshot: true },
    });
    for (let i = 0; i < trades.length; i += 4) {
      const batch = trades.slice(i, i + 4).filter((t) => !skipped.has(t));
      if (batch.length) server.broadcast(JSON.stringify({ channel: "trade", type: "update", data: batch.map(krakenWire) }));
      if (i % 40 === 0) server.broadcast(JSON.stringify({ channel: "heartbeat" }));
    }
    expect(await p.done, p.err()).toBe(0);
    const summary = JSON.parse(p.out());
    expect(summary.sources).toMatchObject([
      { source: "majors", kind: "kraken", topic, sent: 150, feed: { gaps: 1, repaired: 6, restCalls: 2, missed: 0 } },
    ]);
    expect(server.restRequests).toHaveLength(2);
    expect(server.restRequests[0]).toMatch(/^\/0\/public\/Trades\?pair=BTCUSD&since=\d+&count=1000&assetVersion=1$/);
    // The tick each trade must become, as the feed conformance suite computes it from Kraken's docs.
    const kraken = VENUES.find((v) => v.name === "kraken")!;
    expect(withoutId((await readTopic(topic, 150)).sort(order))).toEqual(trades.map((t) => kraken.expected(t)).sort(order));
    // What the dashboard shows of it, under the entry's name.
    expect((await readAll(`${topic}.feed-status`)).at(-1)).toMatchObject({
      source: "majors",
      feed: "kraken",
      state: "stopped",
      repaired: 6,
    });
  });
});
