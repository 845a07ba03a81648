/**
 * Live feeds into the real local Kafka, each against a local server speaking its vendor's protocol: ticks equal
 * to the trades sent, reconnections that lose and double nothing in the stores, silence, refusals, bad frames,
 * and the replay of a recording.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { start } from "../faults/processes";
import { alpacaHistory, alpacaServer, alpacaTrades, FeedServer, until } from "../feeds/servers";
import { feedTopics } from "../feeds/topics";
import { stockpipe, uniqueName } from "../helpers";

const { servers, keyspace, newTopic, readTopic, cleanup } = feedTopics("feed");
const CREDENTIALS = { APCA_API_KEY_ID: "key-id", APCA_API_SECRET_KEY: "its-secret" };

afterAll(cleanup);

/** What a trade must become, computed here from what the server sent. */
function expectedTick(t: ReturnType<typeof alpacaTrades>[number]) {
  return { symbol: t.S, ts: `${t.t.slice(0, 23)}Z`, price: t.p, volume: t.s, source: "alpaca:iex", seq: t.i };
}

const bySeq = (a: Record<string, unknown>, b: Record<string, unknown>) => Number(a.seq) - Number(b.seq);

function alpacaArgs(server: FeedServer, topic: string, ...more: string[]): string[] {
  return ["produce", "--source", "alpaca", "--url", server.url, "--symbols", "AAPL,MSFT", "--topic", topic, "-f", "json", ...more];
}

describe("live feeds", () => {
  it("streams Alpaca trades into the topic, each trade a tick equal to it field by field, recorded as it goes", async () => {
    const server = await alpacaServer({ key: CREDENTIALS.APCA_API_KEY_ID, secret: CREDENTIALS.APCA_API_SECRET_KEY });
    servers.push(server);
    const topic = await newTopic();
    const recording = join(mkdtempSync(join(tmpdir(), "sp-feed-")), "alpaca.jsonl");
    const trades = alpacaTrades(200, ["AAPL", "MSFT"], 5000);
    const p = start(alpacaArgs(server, topic, "--limit", "200", "--record", recording), CREDENTIALS);
    await until(() => server.subscribed() === 1, 30_000, "the subscription");
    for (let i = 0; i < trades.length; i += 20) server.broadcast(JSON.stringify(trades.slice(i, i + 20)));
    expect(await p.done, p.err()).toBe(0);
    expect(JSON.parse(p.out())).toMatchObject({ source: "alpaca", sent: 200, rejected: 0, feed: { connections: 1, reconnects: 0 } });
    const ticks = (await readTopic(topic, 200)).sort(bySeq);
    expect(ticks.map(({ id: _id, ...rest }) => rest)).toEqual(trades.map(expectedTick));
    expect(new Set(ticks.map((t) => t.id)).size).toBe(200);
    // The first frame of the recording is the server's greeting; the key went out, but is not in the recording.
    const lines = readFileSync(recording, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({
      recording: "stockpipe feed",
      feed: "alpaca",
      options: { dataFeed: "iex", symbols: ["AAPL", "MSFT"] },
    });
    expect(lines[1]).toMatchObject({ connected: true });
    expect(readFileSync(recording, "utf8")).not.toContain(CREDENTIALS.APCA_API_SECRET_KEY);

    // The replay gives the very same ticks, ids included.
    const again = await newTopic();
    const replay = await stockpipe([
      "produce",
      "--source",
      "replay",
      "--file",
      recording,
      "--speed",
      "max",
      "--topic",
      again,
      "-f",
      "json",
    ]);
    expect(replay.code, replay.stderr).toBe(0);
    expect(JSON.parse(replay.stdout)).toMatchObject({ source: "replay:alpaca", sent: 200, rejected: 0 });
    expect((await readTopic(again, 200)).sort(bySeq)).toEqual(ticks);
  });

  it("reconnects after a drop; the trades sent again after it are stored once in each sink, and verify is clean", async () => {
    const server = await alpacaServer({ key: CREDENTIALS.APCA_API_KEY_ID, secret: CREDENTIALS.APCA_API_SECRET_KEY });
    servers.push(server);
    const topic = await newTopic();
    const trades = alpacaTrades(300, ["AAPL", "MSFT"], 90_000);
    // 0–179, a drop, then 130–299: the 50 trades before the drop come twice, and go to the topic once.
    const p = start(alpacaArgs(server, topic, "--limit", "300"), { ...CREDENTIALS, STOCKPIPE_FEEDS_BACKOFF_MS: "100" });
    await until(() => server.subscribed() === 1, 30_000, "the subscription");
    for (let i = 0; i < 180; i += 30) server.broadcast(JSON.stringify(trades.slice(i, i + 30)));
    await new Promise((r) => setTimeout(r, 500));
    server.drop();
    await until(() => server.subscribed() === 2, 30_000, "the second subscription");
    for (let i = 130; i < 300; i += 34) server.broadcast(JSON.stringify(trades.slice(i, i + 34)));
    expect(await p.done, p.err()).toBe(0);
    expect(JSON.parse(p.out())).toMatchObject({ sent: 300, feed: { connections: 2, reconnects: 1, duplicates: 50 } });
    expect(p.err()).toMatch(/feed alpaca: the connection closed \(1006\); reconnecting in \d+\.\d s \(attempt 1\)/);
    const inTopic = (await readTopic(topic, 300)).sort(bySeq);
    expect(inTopic.map(({ id: _id, ...rest }) => rest)).toEqual(trades.map(expectedTick));

    const env = { STOCKPIPE_KAFKA_TOPIC: topic, STOCKPIPE_CASSANDRA_KEYSPACE: keyspace, STOCKPIPE_S3_PREFIX: `test/${topic}` };
    expect((await stockpipe(["schema", "cassandra"], { env })).code).toBe(0);
    for (const sink of ["cassandra", "s3"]) {
      const c = await stockpipe(["consume", "--sink", sink, "-g", uniqueName(`feeds-${sink}`), "--exit-at-end", "-f", "json"], { env });
      expect(c.code, c.stderr).toBe(0);
    }
    const count = await stockpipe(["query", "--engine", "cql", "-f", "json", "SELECT count(*) AS n FROM ticks"], { env });
    expect(JSON.parse(count.stdout)[0].n).toBe(300);
    const lake = await stockpipe(
      ["query", "--engine", "local", "-f", "json", "SELECT count(*) AS n, count(DISTINCT id) AS ids FROM ticks"],
      { env },
    );
    expect(JSON.parse(lake.stdout)[0]).toEqual({ n: 300, ids: 300 });
    const v = await stockpipe(["verify", "-f", "json"], { env });
    expect(v.code, v.stdout + v.stderr).toBe(0);
  });

  it("replaces a connection that goes silent without closing, within feeds.silenceMs, and repairs the trades printed meanwhile", async () => {
    const server = await alpacaServer({ key: CREDENTIALS.APCA_API_KEY_ID, secret: CREDENTIALS.APCA_API_SECRET_KEY });
    servers.push(server);
    const topic = await newTopic();
    const trades = alpacaTrades(20, ["AAPL"], 1);
    server.rest = alpacaHistory(trades, { key: CREDENTIALS.APCA_API_KEY_ID, secret: CREDENTIALS.APCA_API_SECRET_KEY });
    const p = start(alpacaArgs(server, topic, "--limit", "20", "--rest-url", server.restUrl), {
      ...CREDENTIALS,
      STOCKPIPE_FEEDS_SILENCE_MS: "1500",
      STOCKPIPE_FEEDS_PING_MS: "300",
      STOCKPIPE_FEEDS_BACKOFF_MS: "100",
    });
    await until(() => server.subscribed() === 1, 30_000, "the subscription");
    server.broadcast(JSON.stringify(trades.slice(0, 10)));
    await new Promise((r) => setTimeout(r, 300));
    const silentAt = Date.now();
    server.goSilent();
    await until(() => server.subscribed() === 2, 10_000, "a new subscription");
    expect(Date.now() - silentAt).toBeLessThan(1500 + 2000);
    // Trades 10–14 were printed while the socket was silent and are never sent; the stream goes on from 15.
    server.broadcast(JSON.stringify(trades.slice(15)));
    expect(await p.done, p.err()).toBe(0);
    expect(p.err()).toMatch(/feed alpaca: no data for 1\.\d s; reconnecting/);
    expect(p.err()).toContain(
      `feed alpaca: AAPL: trades from ${trades[9]!.t} to ${trades[15]!.t} (while the feed was away); 6 repaired (1 REST call)`,
    );
    expect(JSON.parse(p.out())).toMatchObject({ sent: 20, feed: { gaps: 1, gapsLeft: 0, repaired: 6, restCalls: 1, missed: 0 } });
    const inTopic = (await readTopic(topic, 20)).sort(bySeq);
    expect(inTopic.map(({ id: _id, ...rest }) => rest)).toEqual(trades.map(expectedTick));
  });

  it("stops in one line, exit 1, when the key is refused; nothing is retried", async () => {
    const server = await alpacaServer({ key: "another", secret: "one" });
    servers.push(server);
    const r = await stockpipe(alpacaArgs(server, await newTopic(), "--limit", "5"), { env: CREDENTIALS, timeoutMs: 30_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `error: alpaca at ${server.url}: the key or secret is wrong (error 402: auth failed) — check the key in APCA_API_KEY_ID and the secret in APCA_API_SECRET_KEY`,
    );
    expect(server.connections).toBe(1);
    expect(r.stderr).not.toContain(CREDENTIALS.APCA_API_SECRET_KEY);
    const missing = await stockpipe(alpacaArgs(server, "unused", "--limit", "5"), { env: { APCA_API_KEY_ID: "k" } });
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe("error: --api-secret-env APCA_API_SECRET_KEY: that environment variable is not set");
  });

  it("rejects malformed frames, unknown messages and a negative price with their reasons, and streams on", async () => {
    const server = await alpacaServer({ key: CREDENTIALS.APCA_API_KEY_ID, secret: CREDENTIALS.APCA_API_SECRET_KEY });
    servers.push(server);
    const topic = await newTopic();
    const good = alpacaTrades(3, ["AAPL"], 700);
    const p = start(alpacaArgs(server, topic, "--limit", "3"), CREDENTIALS);
    await until(() => server.subscribed() === 1, 30_000, "the subscription");
    server.broadcast("{not json");
    server.broadcast(JSON.stringify([{ T: "zz", S: "AAPL" }]));
    server.broadcast(JSON.stringify([{ ...good[0], p: -1, i: 1 }]));
    server.broadcast(`[${JSON.stringify(good[0])},"${"x".repeat(1024 * 1024)}"]`);
    server.broadcast(JSON.stringify(good.slice(1)));
    expect(await p.done, p.err()).toBe(0);
    expect(JSON.parse(p.out())).toMatchObject({
      sent: 3,
      rejected: 4,
      rejectedByReason: { "not JSON": 1, "unknown message": 2, "price not > 0": 1 },
    });
    expect((await readTopic(topic, 3)).sort(bySeq).map((t) => t.seq)).toEqual([700, 701, 702]);
  });

  it("streams Finnhub trades with the token from the environment, and refuses a bad token in one line", async () => {
    const server = await FeedServer.start((url) => (url.searchParams.get("token") === "tok" ? undefined : 401));
    servers.push(server);
    server.handle(
      () => {},
      (ws, text) => {
        const m = JSON.parse(text);
        if (m.type === "subscribe" && m.symbol === "TSLA")
          ws.send(
            JSON.stringify({
              type: "trade",
              data: [
                { s: "TSLA", p: 122.1, t: 1672348887195, v: 3, c: ["1"] },
                { s: "TSLA", p: 122.2, t: 1672348887196, v: 5, c: ["1"] },
              ],
            }),
          );
      },
    );
    const topic = await newTopic();
    const args = [
      "produce",
      "--source",
      "finnhub",
      "--url",
      server.url,
      "--symbols",
      "TSLA",
      "--topic",
      topic,
      "--limit",
      "2",
      "-f",
      "json",
    ];
    const r = await stockpipe(args, { env: { FINNHUB_TOKEN: "tok" }, timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(0);
    const ticks = (await readTopic(topic, 2)).sort((a, b) => String(a.ts).localeCompare(String(b.ts)));
    expect(ticks.map(({ id: _id, ...t }) => t)).toEqual([
      { symbol: "TSLA", ts: "2022-12-29T21:21:27.195Z", price: 122.1, volume: 3, source: "finnhub" },
      { symbol: "TSLA", ts: "2022-12-29T21:21:27.196Z", price: 122.2, volume: 5, source: "finnhub" },
    ]);
    const refused = await stockpipe(args, { env: { FINNHUB_TOKEN: "wrong" }, timeoutMs: 30_000 });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`error: finnhub at ${server.url}?token=*** refused the connection: HTTP 401 Unauthorized`);
    expect(refused.stderr).not.toContain("wrong");
  });

  it("streams any JSON feed with a subscribe message and a map of dotted paths", async () => {
    const server = await FeedServer.start();
    servers.push(server);
    server.handle(
      () => {},
      (ws, text) => {
        if (text === '{"op":"subscribe","args":["trades"]}')
          ws.send(JSON.stringify({ topic: "trades", data: [{ sym: "eth", px: "2301.5", qty: 4, time: 1700000000000, tid: 11 }] }));
      },
    );
    const topic = await newTopic();
    const r = await stockpipe(
      [
        "produce",
        "--source",
        "ws",
        "--url",
        server.url,
        "--subscribe",
        '{"op":"subscribe","args":["trades"]}',
        "--records",
        "data",
        "--map",
        "symbol=sym,price=px,volume=qty,ts=time,seq=tid",
        "--topic",
        topic,
        "--limit",
        "1",
        "-f",
        "json",
      ],
      { timeoutMs: 30_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    const [tick] = await readTopic(topic, 1);
    expect(tick).toMatchObject({ symbol: "ETH", ts: "2023-11-14T22:13:20.000Z", price: 2301.5, volume: 4, source: "ws", seq: 11 });
  });

  it("runs several feeds from the config's sources in one process; one refused, the other streams on, and the summary says which failed", async () => {
    const good = await alpacaServer({ key: CREDENTIALS.APCA_API_KEY_ID, secret: CREDENTIALS.APCA_API_SECRET_KEY });
    const bad = await alpacaServer({ key: "other", secret: "other" });
    servers.push(good, bad);
    const [t1, t2] = [await newTopic(), await newTopic()];
    const dir = mkdtempSync(join(tmpdir(), "sp-sources-"));
    const config = join(dir, "stockpipe.yaml");
    writeFileSync(
      config,
      [
        "sources:",
        `  - { kind: alpaca, name: us-stocks, url: "${good.url}", symbols: [AAPL, MSFT], topic: ${t1} }`,
        `  - { kind: alpaca, name: refused, url: "${bad.url}", symbols: [NVDA], topic: ${t2} }`,
        "",
      ].join("\n"),
    );
    const trades = alpacaTrades(40, ["AAPL", "MSFT"], 300);
    const p = start(["produce", "--config", config, "--limit", "40", "-f", "json"], CREDENTIALS);
    await until(() => good.subscribed() === 1, 30_000, "the first feed's subscription");
    for (let i = 0; i < 40; i += 10) good.broadcast(JSON.stringify(trades.slice(i, i + 10)));
    expect(await p.done, p.err()).toBe(1);
    const summary = JSON.parse(p.out());
    expect(summary.sources).toEqual([
      {
        source: "us-stocks",
        kind: "alpaca",
        topic: t1,
        sent: 40,
        rejected: 0,
        reconnects: 0,
        status: "ok: limit",
        feed: { connections: 1, reconnects: 0, gaps: 0, gapsLeft: 0, repaired: 0, restCalls: 0, missed: 0, duplicates: 0 },
      },
      {
        source: "refused",
        kind: "alpaca",
        topic: t2,
        sent: 0,
        rejected: 0,
        reconnects: 0,
        status: `failed: alpaca at ${bad.url}: the key or secret is wrong (error 402: auth failed)`,
      },
    ]);
    expect(p.err()).toContain(`error: 1 of 2 sources failed: refused — refused: alpaca at ${bad.url}: the key or secret is wrong`);
    expect((await readTopic(t1, 40)).sort(bySeq).map(({ id: _id, ...t }) => t)).toEqual(trades.map(expectedTick));
  });
});
