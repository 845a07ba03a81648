// npm run bench:notify — alerts from Kafka to a local webhook through `stockpipe notify`.
//
// Throughput: `count` alerts already on a 6-partition alerts topic, delivered by `notify --exit-at-end` to one
// webhook (a local HTTP server answering 200), one message per alert (groupWindowMs 0) — alerts/s from the first
// delivery to the last — and, in a second series, grouped (groupWindowMs 200: a whole backlog in a few messages)
// — alerts/s from starting notify to the last delivery, its start-up and group join included. CPU µs per alert
// of notify and Kafka from /proc. Latency: alerts produced at an open-loop `rate` per second (acks=all) while notify runs; for each,
// the time from Kafka acknowledging it (its commit) to the webhook receiving it. The first second is left out.
// Usage: node bench/notify.mjs [count] [runs] [rate] [seconds]
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import kafkajs from "kafkajs";
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

/** A webhook that answers 200 and notes when each alert arrived. */
async function webhook() {
  const arrived = new Map();
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (d) => (raw += d));
    req.on("end", () => {
      const now = Date.now();
      for (const a of JSON.parse(raw).alerts) if (!arrived.has(a.id)) arrived.set(a.id, now);
      res.writeHead(200).end("ok");
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${server.address().port}/hook`, arrived, close: () => new Promise((r) => server.close(r)) };
}

function configFile(url, groupWindowMs) {
  const file = join(mkdtempSync(join(tmpdir(), "sp-bench-notify-")), "stockpipe.json");
  writeFileSync(
    file,
    JSON.stringify({
      notify: { groupWindowMs, cooldownMs: 0, destinations: { hook: { kind: "webhook", url } }, routes: [{ to: ["hook"] }] },
    }),
  );
  return file;
}

function alert(k, ts) {
  const symbol = `SYM${k % 200}`;
  return {
    symbol,
    ts,
    rule: "zScore",
    severity: "warning",
    value: 3.5 + (k % 10) / 10,
    threshold: 3,
    message: `${symbol} bench ${k}`,
    id: `00000000-0000-5000-8000-${String(k).padStart(12, "0")}`,
  };
}

const message = (a) => ({ key: a.symbol, value: JSON.stringify(a), headers: { schema: "alert.v1" } });

async function newTopic(name) {
  stockpipe(["topic", "create", name, "-p", "6"]);
}

async function throughputRun({ count, groupWindowMs, run }) {
  const topic = `bench-notify-${Date.now().toString(36)}-${run}`;
  const alerts = `${topic}.alerts`;
  await newTopic(alerts);
  const kafka = new kafkajs.Kafka({ brokers: ["127.0.0.1:9092"], logLevel: kafkajs.logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  for (let k = 0; k < count; k += 1000)
    await producer.send({
      topic: alerts,
      acks: -1,
      messages: Array.from({ length: Math.min(1000, count - k) }, (_, j) =>
        message(alert(k + j, new Date(Date.UTC(2024, 0, 2) + (k + j) * 1000).toISOString())),
      ),
    });
  await producer.disconnect();
  const hook = await webhook();
  const pids = servicePids();
  try {
    const from = cpuNow(pids);
    const startedAt = Date.now();
    const p = start(["notify", "--topic", alerts, "-g", `${topic}-notify`, "--from", "earliest", "--exit-at-end", "-f", "json"], {
      STOCKPIPE_CONFIG: configFile(hook.url, groupWindowMs),
    });
    const r = await p.done;
    const to = cpuNow(pids);
    if (r.code !== 0) throw new Error(`notify failed (${r.code}): ${r.stderr}`);
    const summary = JSON.parse(r.stdout);
    if (hook.arrived.size !== count) throw new Error(`the webhook got ${hook.arrived.size} of ${count} alerts`);
    const times = [...hook.arrived.values()];
    const seconds = (Math.max(...times) - (groupWindowMs ? startedAt : Math.min(...times))) / 1000;
    const alertsPerSecond = Math.round(count / Math.max(seconds, 0.001));
    process.stderr.write(
      `notify ${groupWindowMs ? "grouped" : "one a message"} run ${run}: ${alertsPerSecond} alerts/s in ${summary.messages} messages\n`,
    );
    return {
      run,
      groupWindowMs,
      alerts: count,
      messages: summary.messages,
      seconds: Math.round(seconds * 100) / 100,
      alertsPerSecond,
      cpuMicrosPerAlert: cpuPerRecord(from, to, count),
      peakRssMb: summary.peakRssMb,
    };
  } finally {
    await hook.close();
    deleteTopics(alerts);
    deleteTopics(`${alerts}.dlq`);
  }
}

async function latencyRun({ rate, seconds, run }) {
  const topic = `bench-notify-latency-${Date.now().toString(36)}-${run}`;
  const alerts = `${topic}.alerts`;
  await newTopic(alerts);
  const hook = await webhook();
  const p = start(["notify", "--topic", alerts, "-g", `${topic}-notify`, "--from", "earliest"], {
    STOCKPIPE_CONFIG: configFile(hook.url, 0),
  });
  const kafka = new kafkajs.Kafka({ brokers: ["127.0.0.1:9092"], logLevel: kafkajs.logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  // A first alert, delivered before the clock starts: notify has joined its group and is reading.
  const warmup = { ...alert(0, new Date().toISOString()), id: "00000000-0000-5000-8000-ffffffffffff" };
  await producer.send({ topic: alerts, acks: -1, messages: [message(warmup)] });
  const ready = Date.now() + 60_000;
  while (!hook.arrived.has(warmup.id) && Date.now() < ready) await sleep(50);
  if (!hook.arrived.has(warmup.id)) throw new Error(`notify did not deliver the first alert: ${p.stderrNow()}`);
  const committed = new Map();
  const total = rate * seconds;
  const began = performance.now();
  const sends = [];
  for (let k = 0; k < total; k++) {
    const due = began + (k * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const a = alert(k, new Date().toISOString());
    sends.push(producer.send({ topic: alerts, acks: -1, messages: [message(a)] }).then(() => committed.set(a.id, { k, at: Date.now() })));
  }
  await Promise.all(sends);
  const deadline = Date.now() + 30_000;
  while (hook.arrived.size < total + 1 && Date.now() < deadline) await sleep(50);
  p.child.kill("SIGTERM");
  await p.done;
  await producer.disconnect();
  await hook.close();
  deleteTopics(alerts);
  deleteTopics(`${alerts}.dlq`);
  const latencies = [...committed]
    .filter(([id, c]) => c.k >= rate && hook.arrived.has(id))
    .map(([id, c]) => hook.arrived.get(id) - c.at)
    .sort((a, b) => a - b);
  const out = {
    run,
    rate,
    alerts: total,
    delivered: hook.arrived.size,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.at(-1),
  };
  process.stderr.write(`notify latency run ${run} at ${rate}/s: p50 ${out.p50Ms} ms, p99 ${out.p99Ms} ms\n`);
  return out;
}

export async function benchNotify({ count = 20_000, runs = 3, rate = 100, seconds = 20 } = {}) {
  const single = [];
  const grouped = [];
  const latency = [];
  for (let run = 1; run <= runs; run++) {
    single.push(await throughputRun({ count: Math.round(count / 4), groupWindowMs: 0, run }));
    grouped.push(await throughputRun({ count, groupWindowMs: 200, run }));
    latency.push(await latencyRun({ rate, seconds, run }));
  }
  const summary = (list) => ({
    runs: list,
    medianAlertsPerSecond: median(list.map((r) => r.alertsPerSecond)),
    medianCpuMicrosPerAlert: medianOfEach(list.map((r) => r.cpuMicrosPerAlert)),
  });
  const report = {
    benchmark: "alerts on a 6-partition topic → stockpipe notify → a local webhook answering 200 (one destination, one route)",
    oneAlertPerMessage: summary(single),
    grouped: summary(grouped),
    latency: {
      rate,
      seconds,
      runs: latency,
      medianP50Ms: median(latency.map((r) => r.p50Ms)),
      medianP99Ms: median(latency.map((r) => r.p99Ms)),
    },
    bar: { p99Ms: 250 },
  };
  report.meetsBar = { latency: report.latency.medianP99Ms <= 250 };
  return report;
}

if (isMain(import.meta.url))
  writeResult("notify", () =>
    benchNotify({
      count: Number(process.argv[2] ?? 20_000),
      runs: Number(process.argv[3] ?? 3),
      rate: Number(process.argv[4] ?? 100),
      seconds: Number(process.argv[5] ?? 20),
    }),
  );
