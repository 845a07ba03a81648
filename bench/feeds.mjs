// npm run bench:feeds — a live feed into Kafka: a local server speaking Alpaca's stocks stream (or Coinbase's
// matches channel) pushes trades, `stockpipe produce --source alpaca` (coinbase) decodes them and Kafka
// acknowledges them.
//
// Throughput: the server pushes `count` trades as fast as the socket takes them, in frames of `perFrame` trades
// (Alpaca batches messages in one frame) and, in a second series, one trade a frame; trades/s is from the
// subscription to the last acknowledgement (`produce --limit` exits then). CPU µs per trade of stockpipe and Kafka
// come from /proc. Latency: at an open-loop `rate` frames/s of one trade each, every trade carries the server's
// send time as its event time; a consumer reading the topic (read_uncommitted, 5 ms fetch wait) records the time
// from that to the moment it reads the tick — frame sent → acknowledged by Kafka → fetched, an upper bound of
// the frame-to-acknowledgement latency — split at the record's Kafka timestamp (set by the producer when it
// encodes the request): frame → sent is decoding and batching, sent → read the broker's write, its
// acknowledgement and the reader's fetch. The first second is left out. A third throughput series pushes
// Coinbase matches, one a frame, with fractional sizes as decimal text.
//
// Repair: a Coinbase-speaking server whose REST trade history (same port) holds `repairTrades` trades of one
// product sends the first, drops the socket, and on the next subscription resumes from the present: the feed
// repairs the gap from the history, 1000 trades a page, and produces them. Measured: the time from that
// reconnection to the last trade acknowledged (the gap filled), the time the REST pages took, and trades/s.
// Usage: node bench/feeds.mjs [count] [runs] [rate] [seconds] [repairTrades]
import { createServer } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import kafkajs from "kafkajs";
import { WebSocketServer } from "ws";
import {
  cpuNow,
  cpuPerRecord,
  deleteTopics,
  isMain,
  median,
  medianOfEach,
  percentile,
  servicePids,
  start,
  stockpipe,
  writeResult,
} from "./lib.mjs";

const SYMBOLS = ["AAPL", "MSFT", "NVDA", "AMZN", "GOOG", "META", "TSLA", "AMD", "NFLX", "INTC"];
const CREDENTIALS = { APCA_API_KEY_ID: "bench-key", APCA_API_SECRET_KEY: "bench-secret" };

/** An Alpaca-speaking server; `onSubscribed(ws)` runs once the client has subscribed. */
async function alpacaServer(onSubscribed) {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise((r) => wss.once("listening", r));
  wss.on("connection", (ws) => {
    ws.send(JSON.stringify([{ T: "success", msg: "connected" }]));
    ws.on("message", (data) => {
      const m = JSON.parse(data.toString());
      if (m.action === "auth") ws.send(JSON.stringify([{ T: "success", msg: "authenticated" }]));
      if (m.action === "subscribe") {
        ws.send(JSON.stringify([{ T: "subscription", trades: m.trades, quotes: [], bars: [] }]));
        onSubscribed(ws);
      }
    });
  });
  return { url: `ws://127.0.0.1:${wss.address().port}`, close: () => new Promise((r) => wss.close(r)) };
}

/** A Coinbase-speaking server (subscriptions confirmed); `onSubscribed(ws)` runs once the client has subscribed. */
async function coinbaseServer(onSubscribed) {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise((r) => wss.once("listening", r));
  wss.on("connection", (ws) => {
    ws.on("message", (data) => {
      const m = JSON.parse(data.toString());
      if (m.type !== "subscribe") return;
      ws.send(JSON.stringify({ type: "subscriptions", channels: m.channels.map((name) => ({ name, product_ids: m.product_ids })) }));
      onSubscribed(ws);
    });
  });
  return { url: `ws://127.0.0.1:${wss.address().port}`, close: () => new Promise((r) => wss.close(r)) };
}

const PRODUCTS = ["BTC-USD", "ETH-USD", "SOL-USD", "DOGE-USD", "ADA-USD"];

function match(k) {
  const product = PRODUCTS[k % PRODUCTS.length];
  return {
    type: "match",
    trade_id: 1 + Math.floor(k / PRODUCTS.length),
    sequence: 1000 + k,
    maker_order_id: "ac928c66-ca53-498f-9c13-a110027a60e8",
    taker_order_id: "132fb6ae-456b-4654-b4e0-d681ac05cea1",
    time: `${new Date(Date.UTC(2024, 0, 2, 14, 30) + k).toISOString().slice(0, 23)}456Z`,
    product_id: product,
    size: ((1 + (k % 99_991)) / 1e5).toFixed(8),
    price: (42_000 + (k % 1000) / 100).toFixed(2),
    side: k % 2 ? "buy" : "sell",
  };
}

async function pushMatches(ws, count) {
  for (let k = 0; k < count; k++) {
    ws.send(JSON.stringify(match(k)));
    if (k % 256 === 0) while (ws.bufferedAmount > 4 * 1024 * 1024) await sleep(1);
  }
}

function trade(k, sentMs) {
  const t = new Date(sentMs).toISOString();
  return { T: "t", S: SYMBOLS[k % SYMBOLS.length], i: k + 1, x: "V", p: 100 + (k % 1000) / 100, s: 1 + (k % 50), t, c: ["@"], z: "C" };
}

/** Sends `count` trades, `perFrame` a frame, as fast as the socket drains. */
async function pushAll(ws, count, perFrame) {
  const base = Date.UTC(2024, 0, 2, 14, 30);
  for (let k = 0; k < count; k += perFrame) {
    const frame = [];
    for (let j = k; j < Math.min(count, k + perFrame); j++) frame.push(trade(j, base + j));
    ws.send(JSON.stringify(frame));
    while (ws.bufferedAmount > 4 * 1024 * 1024) await sleep(1);
  }
}

/**
 * Runs `produce --source alpaca` against the server until `count` ticks are acknowledged; CPU per trade of
 * stockpipe and the services from once `started()` holds (the subscription) to the end.
 */
async function produceFrom(server, topic, count, started, feed = "alpaca") {
  const pids = servicePids();
  const symbols = feed === "coinbase" ? PRODUCTS : SYMBOLS;
  const args = ["produce", "--source", feed, "--url", server.url, "--symbols", symbols.join(","), "--topic", topic];
  const p = start([...args, "--limit", String(count), "-f", "json"], CREDENTIALS);
  while (!started()) await sleep(5);
  const from = cpuNow(pids);
  const r = await p.done;
  const to = cpuNow(pids);
  if (r.code !== 0) throw new Error(`produce failed (${r.code}): ${r.stderr}`);
  return { r, cpu: cpuPerRecord(from, to, count) };
}

export async function throughputRun({ count, perFrame, run, feed = "alpaca" }) {
  const topic = `bench-feeds-${Date.now().toString(36)}-${run}`;
  stockpipe(["topic", "create", topic, "-p", "6"]);
  let subscribedAt;
  let pushing;
  const serve = feed === "coinbase" ? coinbaseServer : alpacaServer;
  const server = await serve((ws) => {
    subscribedAt = performance.now();
    pushing = feed === "coinbase" ? pushMatches(ws, count) : pushAll(ws, count, perFrame);
  });
  try {
    const { r, cpu } = await produceFrom(server, topic, count, () => subscribedAt !== undefined, feed);
    await pushing;
    const seconds = (performance.now() - subscribedAt) / 1000;
    const summary = JSON.parse(r.stdout);
    if (summary.sent !== count) throw new Error(`sent ${summary.sent} of ${count}`);
    const tradesPerSecond = Math.round(count / seconds);
    process.stderr.write(`feeds ${feed} ${perFrame}/frame run ${run}: ${tradesPerSecond} trades/s\n`);
    return {
      run,
      perFrame,
      trades: count,
      seconds: Math.round(seconds * 100) / 100,
      tradesPerSecond,
      framesPerSecond: Math.round(count / perFrame / seconds),
      cpuMicrosPerTrade: cpu,
      peakRssMb: summary.peakRssMb,
    };
  } finally {
    await server.close();
    deleteTopics(topic);
  }
}

/** BTC-USD match `id` of the repair run's market: one a millisecond. */
function repairMatch(id) {
  return {
    type: "match",
    trade_id: id,
    sequence: 5000 + id,
    maker_order_id: "ac928c66-ca53-498f-9c13-a110027a60e8",
    taker_order_id: "132fb6ae-456b-4654-b4e0-d681ac05cea1",
    time: `${new Date(Date.UTC(2024, 0, 2, 14, 30) + id).toISOString().slice(0, 23)}123Z`,
    product_id: "BTC-USD",
    size: ((1 + (id % 99_991)) / 1e5).toFixed(8),
    price: (42_000 + (id % 1000) / 100).toFixed(2),
    side: id % 2 ? "buy" : "sell",
  };
}

/**
 * The repair run's venue: WebSocket and REST history on one port. The first subscription gets trade 1 and is
 * dropped; the second resumes at the present (`last_match` of trade `trades + 1`). The history answers
 * `GET /products/BTC-USD/trades?after=&limit=` newest first, as Coinbase does.
 */
async function repairServer(trades) {
  const http = createServer();
  const wss = new WebSocketServer({ server: http });
  const times = { subscribed: [], firstRest: undefined, lastRest: undefined, restCalls: 0 };
  http.on("request", (req, res) => {
    const url = new URL(req.url, "http://x");
    times.firstRest ??= performance.now();
    times.restCalls++;
    const after = Number(url.searchParams.get("after"));
    const limit = Math.min(1000, Number(url.searchParams.get("limit") ?? 1000));
    const page = [];
    for (let id = Math.min(after - 1, trades + 1); id >= 1 && page.length < limit; id--) {
      const m = repairMatch(id);
      page.push({ time: m.time, trade_id: id, price: m.price, size: m.size, side: m.side });
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(page));
    times.lastRest = performance.now();
  });
  wss.on("connection", (ws) => {
    ws.on("message", (data) => {
      const m = JSON.parse(data.toString());
      if (m.type !== "subscribe") return;
      ws.send(JSON.stringify({ type: "subscriptions", channels: m.channels.map((name) => ({ name, product_ids: m.product_ids })) }));
      times.subscribed.push(performance.now());
      if (times.subscribed.length === 1) {
        ws.send(JSON.stringify(repairMatch(1)));
        setTimeout(() => ws.terminate(), 300);
      } else ws.send(JSON.stringify({ ...repairMatch(trades + 1), type: "last_match" }));
    });
  });
  await new Promise((r) => http.listen(0, "127.0.0.1", r));
  const base = `127.0.0.1:${http.address().port}`;
  return { url: `ws://${base}`, rest: `http://${base}`, times, close: () => new Promise((r) => http.close(r)) };
}

async function repairRun({ trades, run }) {
  const topic = `bench-feeds-repair-${Date.now().toString(36)}-${run}`;
  stockpipe(["topic", "create", topic, "-p", "6"]);
  const server = await repairServer(trades);
  const pids = servicePids();
  try {
    const args = [
      "produce",
      "--source",
      "coinbase",
      "--url",
      server.url,
      "--rest-url",
      server.rest,
      "--symbols",
      "BTC-USD",
      "--topic",
      topic,
    ];
    const p = start([...args, "--limit", String(trades + 1), "-f", "json"], { STOCKPIPE_FEEDS_BACKOFF_MS: "50" });
    while (server.times.subscribed.length < 2) await sleep(2);
    const from = cpuNow(pids);
    const r = await p.done;
    const done = performance.now();
    const to = cpuNow(pids);
    if (r.code !== 0) throw new Error(`produce failed (${r.code}): ${r.stderr}`);
    const summary = JSON.parse(r.stdout);
    const repaired = trades - 1;
    if (summary.sent !== trades + 1 || summary.feed.repaired !== repaired)
      throw new Error(`sent ${summary.sent}, repaired ${summary.feed.repaired} of ${repaired}`);
    const filledSeconds = (done - server.times.subscribed[1]) / 1000;
    const out = {
      run,
      repaired,
      restCalls: summary.feed.restCalls,
      filledSeconds: Math.round(filledSeconds * 100) / 100,
      restSeconds: Math.round((server.times.lastRest - server.times.firstRest) / 10) / 100,
      tradesPerSecond: Math.round(repaired / filledSeconds),
      cpuMicrosPerTrade: cpuPerRecord(from, to, repaired),
      peakRssMb: summary.peakRssMb,
    };
    process.stderr.write(`feeds repair run ${run}: ${out.repaired} trades in ${out.filledSeconds} s (${out.tradesPerSecond}/s)\n`);
    return out;
  } finally {
    await server.close();
    deleteTopics(topic);
  }
}

async function latencyRun({ rate, seconds, run }) {
  const topic = `bench-feeds-latency-${Date.now().toString(36)}-${run}`;
  stockpipe(["topic", "create", topic, "-p", "6"]);
  const kafka = new kafkajs.Kafka({ brokers: ["127.0.0.1:9092"], logLevel: kafkajs.logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `${topic}-reader`, maxWaitTimeInMs: 5, readUncommitted: true });
  const latencies = [];
  const toSent = [];
  const total = rate * seconds;
  let read = 0;
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const now = Date.now();
      for (const m of batch.messages) {
        read++;
        const t = JSON.parse(m.value.toString());
        if (t.seq > rate) {
          const sentAt = Date.parse(t.ts);
          latencies.push(now - sentAt);
          toSent.push(Number(m.timestamp) - sentAt);
        }
      }
    },
  });
  let sending;
  const server = await alpacaServer((ws) => {
    sending = (async () => {
      const began = performance.now();
      for (let k = 0; k < total; k++) {
        const due = began + (k * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 1) await sleep(wait);
        ws.send(JSON.stringify([trade(k, Date.now())]));
      }
    })();
  });
  try {
    const { cpu } = await produceFrom(server, topic, total, () => sending !== undefined);
    const deadline = Date.now() + 30_000;
    while (read < total && Date.now() < deadline) await sleep(50);
    const sorted = latencies.sort((a, b) => a - b);
    const sent = toSent.sort((a, b) => a - b);
    const out = {
      run,
      rate,
      trades: total,
      measured: sorted.length,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      maxMs: sorted.at(-1),
      frameToSent: { p50Ms: percentile(sent, 50), p99Ms: percentile(sent, 99) },
      cpuMicrosPerTrade: cpu,
    };
    process.stderr.write(`feeds latency run ${run} at ${rate}/s: p50 ${out.p50Ms} ms, p99 ${out.p99Ms} ms\n`);
    return out;
  } finally {
    await consumer.disconnect();
    await server.close();
    deleteTopics(topic);
  }
}

export async function benchFeeds({ count = 300_000, runs = 3, rate = 5000, seconds = 20, repairTrades = 100_000 } = {}) {
  const batched = [];
  const single = [];
  const coinbase = [];
  const latency = [];
  const repair = [];
  for (let run = 1; run <= runs; run++) {
    repair.push(await repairRun({ trades: repairTrades, run }));
    batched.push(await throughputRun({ count, perFrame: 100, run }));
    single.push(await throughputRun({ count: Math.round(count / 3), perFrame: 1, run }));
    coinbase.push(await throughputRun({ count: Math.round(count / 3), perFrame: 1, run, feed: "coinbase" }));
    latency.push(await latencyRun({ rate, seconds, run }));
  }
  const summary = (list) => ({
    runs: list,
    medianTradesPerSecond: median(list.map((r) => r.tradesPerSecond)),
    medianFramesPerSecond: median(list.map((r) => r.framesPerSecond)),
    medianCpuMicrosPerTrade: medianOfEach(list.map((r) => r.cpuMicrosPerTrade)),
  });
  const report = {
    benchmark: `Alpaca-format trades from a local WebSocket server → produce --source alpaca → Kafka (6 partitions, acks=all); ${SYMBOLS.length} symbols`,
    batched: summary(batched),
    oneTradePerFrame: summary(single),
    coinbase: summary(coinbase),
    latency: {
      rate,
      seconds,
      runs: latency,
      medianP50Ms: median(latency.map((r) => r.p50Ms)),
      medianP99Ms: median(latency.map((r) => r.p99Ms)),
      medianFrameToSentP50Ms: median(latency.map((r) => r.frameToSent.p50Ms)),
      medianFrameToSentP99Ms: median(latency.map((r) => r.frameToSent.p99Ms)),
    },
    repair: {
      trades: repairTrades,
      runs: repair,
      medianTradesPerSecond: median(repair.map((r) => r.tradesPerSecond)),
      medianFilledSeconds: median(repair.map((r) => r.filledSeconds)),
      medianRestSeconds: median(repair.map((r) => r.restSeconds)),
      medianCpuMicrosPerTrade: medianOfEach(repair.map((r) => r.cpuMicrosPerTrade)),
    },
    bar: { tradesPerSecond: 50_000, p99Ms: 20 },
  };
  report.meetsBar = {
    throughput: report.oneTradePerFrame.medianFramesPerSecond >= 50_000,
    latency: report.latency.medianP99Ms <= 20,
  };
  return report;
}

if (isMain(import.meta.url))
  writeResult("feeds", () =>
    benchFeeds({
      count: Number(process.argv[2] ?? 300_000),
      runs: Number(process.argv[3] ?? 3),
      rate: Number(process.argv[4] ?? 5000),
      seconds: Number(process.argv[5] ?? 20),
      repairTrades: Number(process.argv[6] ?? 100_000),
    }),
  );
