// npm run bench:dashboard — `stockpipe dashboard` under load, with the page open in headless Chromium.
//
// A fresh 6-partition topic; `analyze` runs on it (so bars and alerts flow too); `dashboard --from latest` serves
// it; `produce --source synthetic --symbols 500 --rate 17000` streams for the run. After a warm-up the page is
// opened in Debian's chromium (playwright-core) and, for the measured window:
//   - the dashboard process's CPU (cores = CPU seconds / wall seconds, from /proc) and its RSS (sampled every
//     second, and the kernel's peak VmHWM at the end);
//   - the page's frame times (requestAnimationFrame deltas) and how many frames took over 50 ms;
//   - whether the dashboard kept up: ticks it read (its /metrics) against ticks produced.
// Usage: node bench/dashboard.mjs [runs] [rate] [seconds] [symbols]
import { setTimeout as sleep } from "node:timers/promises";
import kafkajs from "kafkajs";
import { launchBrowser } from "../test/setup/chromium.mjs";
import {
  procCpuSeconds as cpuSeconds,
  deleteAll,
  isMain,
  median,
  memoryMb,
  percentile,
  printed,
  start,
  stockpipe,
  writeResult,
} from "./lib.mjs";

async function ticksRead(url) {
  const text = await (await fetch(`${url}metrics`)).text();
  const m = /^stockpipe_records_in_total\{kind="ticks",command="dashboard"\} (\d+)/m.exec(text);
  return m ? Number(m[1]) : 0;
}

async function oneRun({ rate, seconds, symbols, warmup }) {
  const topic = `bench-dashboard-${Date.now()}`;
  const env = { STOCKPIPE_KAFKA_TOPIC: topic };
  stockpipe(["topic", "create", topic, "-p", "6"]);
  const analyze = start(["analyze", "-g", `${topic}-analyze`, "--from", "latest"], env);
  const dashboard = start(["dashboard", "--port", "0", "--from", "latest"], env);
  const url = await printed(dashboard, /dashboard at (http:\/\/\S+\/)/, "dashboard");
  const producer = start(
    ["produce", "--source", "synthetic", "--symbols", String(symbols), "--rate", String(rate), "--duration", `${warmup + seconds + 5}s`],
    env,
  );
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    await page.goto(url);
    await sleep(warmup * 1000);
    const pid = dashboard.child.pid;
    const readBefore = await ticksRead(url);
    const cpuBefore = cpuSeconds(pid);
    const wallBefore = performance.now();
    const rss = [];
    const sampler = setInterval(() => rss.push(memoryMb(pid, "VmRSS")), 1000);
    const frames = await page.evaluate(
      (ms) =>
        new Promise((resolve) => {
          const deltas = [];
          let last = performance.now();
          const end = last + ms;
          const step = (now) => {
            deltas.push(now - last);
            last = now;
            if (now < end) requestAnimationFrame(step);
            else resolve(deltas);
          };
          requestAnimationFrame(step);
        }),
      seconds * 1000,
    );
    clearInterval(sampler);
    const cores = (cpuSeconds(pid) - cpuBefore) / ((performance.now() - wallBefore) / 1000);
    const readAfter = await ticksRead(url);
    const rows = await page.locator("#board tbody tr").count();
    const peak = memoryMb(pid, "VmHWM");
    const sorted = [...frames].sort((a, b) => a - b);
    const result = {
      symbolsOnBoard: rows,
      dashboardCores: Math.round(cores * 1000) / 1000,
      dashboardRssMaxMb: Math.max(...rss.filter(Boolean)),
      dashboardPeakRssMb: peak,
      ticksReadPerSecond: Math.round((readAfter - readBefore) / seconds),
      frames: frames.length,
      frameMs: {
        p50: Math.round(percentile(sorted, 50) * 10) / 10,
        p95: Math.round(percentile(sorted, 95) * 10) / 10,
        p99: Math.round(percentile(sorted, 99) * 10) / 10,
        max: Math.round(sorted.at(-1) * 10) / 10,
      },
      framesOver50ms: frames.filter((f) => f > 50).length,
    };
    process.stderr.write(
      `dashboard: ${result.dashboardCores} cores, RSS max ${result.dashboardRssMaxMb} MB (peak ${peak} MB), frames p50 ${result.frameMs.p50} ms p95 ${result.frameMs.p95} ms max ${result.frameMs.max} ms, ${result.ticksReadPerSecond} ticks/s read, ${rows} symbols\n`,
    );
    return result;
  } finally {
    await browser.close();
    for (const p of [producer, dashboard, analyze]) p.child.kill("SIGTERM");
    await Promise.all([producer.done, dashboard.done, analyze.done]);
    const admin = new kafkajs.Kafka({ brokers: ["127.0.0.1:9092"], logLevel: kafkajs.logLevel.NOTHING }).admin();
    await admin.connect();
    await deleteAll(admin, topic);
    await admin.disconnect();
  }
}

export async function benchDashboard({ runs = 3, rate = 17_000, seconds = 20, symbols = 500, warmup = 8 } = {}) {
  const results = [];
  for (let run = 1; run <= runs; run++) results.push({ run, ...(await oneRun({ rate, seconds, symbols, warmup })) });
  const m = (f) => median(results.map(f));
  return {
    benchmark: `dashboard with the page open: ${symbols} symbols at ${rate.toLocaleString("en-US")} ticks/s, analyze running, ${seconds} s measured after ${warmup} s`,
    runs: results,
    medianCores: m((r) => r.dashboardCores),
    medianRssMaxMb: m((r) => r.dashboardRssMaxMb),
    medianPeakRssMb: m((r) => r.dashboardPeakRssMb),
    medianFrameP50Ms: m((r) => r.frameMs.p50),
    medianFrameP95Ms: m((r) => r.frameMs.p95),
    medianFrameMaxMs: m((r) => r.frameMs.max),
    medianTicksReadPerSecond: m((r) => r.ticksReadPerSecond),
  };
}

if (isMain(import.meta.url))
  writeResult("dashboard", () =>
    benchDashboard({
      runs: Number(process.argv[2] ?? 3),
      rate: Number(process.argv[3] ?? 17_000),
      seconds: Number(process.argv[4] ?? 20),
      symbols: Number(process.argv[5] ?? 500),
    }),
  );
