// npm run bench:soak [minutes] — the whole pipeline for a long while, watched: does anything grow?
//
// On a fresh topic (6 partitions): `produce --source synthetic --symbols 100 --rate 5000` for the whole run,
// `analyze` (bars of 1s and 1m), `consume --sink cassandra --latency`, `consume --sink s3`, and `dashboard` with
// its page open in headless Chromium. Every 10 s: each process's resident memory (VmRSS) and CPU share (from
// /proc), the lag of analyze and both consumers (the topic's end offsets minus each group's commits), and the
// end-to-end p99 into Cassandra over the last 10 s (`stockpipe_end_to_end_latency_seconds`). After the warm-up
// (the first fifth, at least 2 minutes) the least-squares slope of each per 10 minutes is the verdict: memory
// that grows, lag that builds up, latency that creeps. The report has the samples and an SVG plot of memory and
// p99 over time (drawn with Vega-Lite). At the end, every tick produced must be in Cassandra (`verify`).
// Usage: node bench/soak.mjs [minutes=30] [rate=5000]
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import kafkajs from "kafkajs";
import * as vega from "vega";
import { compile } from "vega-lite";
import { launchBrowser } from "../test/setup/chromium.mjs";
import { deleteAll, isMain, median, memoryMb, printed, procCpuSeconds, RESULTS, start, stockpipe, writeResult } from "./lib.mjs";

const SAMPLE_MS = 10_000;
const SYMBOLS = 100;

/** A process's Prometheus metrics as name{labels} → value. */
async function scrape(port) {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(3000) })).text();
  const out = {};
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const i = line.lastIndexOf(" ");
    out[line.slice(0, i)] = Number(line.slice(i + 1));
  }
  return out;
}

/**
 * A group's lag as Kafka sees it: the topic's end offsets minus the group's committed offsets (a partition with
 * no commit yet counts from the start). What a process reports of itself is its lag at its last fetch; this is
 * what a crash would replay.
 */
async function groupLag(admin, groupId, topic) {
  const [ends, [committed]] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
  const at = new Map(committed.partitions.map((p) => [p.partition, Number(p.offset)]));
  return ends.reduce((n, e) => n + Number(e.high) - Math.max(0, at.get(e.partition) ?? 0), 0);
}

/** Least-squares slope of y over x (x in minutes), per 10 minutes. */
export function slopePer10Min(points) {
  const n = points.length;
  if (n < 2) return undefined;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxy = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return sxx === 0 ? 0 : Math.round((sxy / sxx) * 10 * 100) / 100;
}

/** Memory of every process and the p99 over time, as one SVG (Vega-Lite: two charts, one above the other). */
async function plot(samples, names) {
  const rss = samples.flatMap((s) =>
    names.map((n) => ({ minute: s.minute, process: n, mb: s.rssMb[n] })).filter((r) => r.mb !== undefined),
  );
  const p99 = samples.filter((s) => s.p99Ms !== undefined).map((s) => ({ minute: s.minute, ms: s.p99Ms }));
  const spec = compile({
    vconcat: [
      {
        width: 700,
        height: 220,
        title: "Resident memory (MB)",
        data: { values: rss },
        mark: "line",
        encoding: {
          x: { field: "minute", type: "quantitative", title: "minutes" },
          y: { field: "mb", type: "quantitative", title: "MB" },
          color: { field: "process", type: "nominal" },
        },
      },
      {
        width: 700,
        height: 160,
        title: "End-to-end p99 into Cassandra over the last 10 s (ms)",
        data: { values: p99 },
        mark: "line",
        encoding: {
          x: { field: "minute", type: "quantitative", title: "minutes" },
          y: { field: "ms", type: "quantitative", title: "ms" },
        },
      },
    ],
  }).spec;
  return new vega.View(vega.parse(spec), { renderer: "none" }).toSVG();
}

export async function benchSoak({ minutes = 30, rate = 5000 } = {}) {
  const config = JSON.parse(stockpipe(["config", "show", "-f", "json"]));
  const kafka = new kafkajs.Kafka({ brokers: config["kafka.brokers"].value, logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const id = Date.now().toString(36);
  const topic = `bench-soak-${id}`;
  const keyspace = `bench_soak_${id}`;
  const env = { STOCKPIPE_KAFKA_TOPIC: topic, STOCKPIPE_CASSANDRA_KEYSPACE: keyspace, STOCKPIPE_S3_PREFIX: `bench-soak-${id}` };
  const ports = { analyze: 19_801, cassandra: 19_802, lake: 19_803, produce: 19_804 };
  const groups = { analyze: `${topic}-analyze`, cassandra: `${topic}-c`, lake: `${topic}-s` };
  const procs = {};
  let browser;
  try {
    stockpipe(["topic", "create", topic, "-p", "6"]);
    stockpipe(["schema", "cassandra"], env);
    procs.analyze = start(["analyze", "-g", groups.analyze, "--intervals", "1s,1m", "--metrics-port", String(ports.analyze)], env);
    procs.cassandra = start(
      [
        "consume",
        "--sink",
        "cassandra",
        "-g",
        groups.cassandra,
        "--latency",
        "--latency-warmup",
        "10s",
        "--metrics-port",
        String(ports.cassandra),
        "-f",
        "json",
      ],
      env,
    );
    procs.lake = start(["consume", "--sink", "s3", "-g", groups.lake, "--metrics-port", String(ports.lake), "-f", "json"], env);
    procs.dashboard = start(["dashboard", "--port", "0", "--interval", "1s", "--from", "latest"], env);
    const url = await printed(procs.dashboard, /dashboard at (http:\/\/\S+\/)/, "dashboard");
    browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    await page.goto(url);
    await sleep(5000);
    procs.produce = start(
      [
        "produce",
        "--source",
        "synthetic",
        "--symbols",
        String(SYMBOLS),
        "--rate",
        String(rate),
        "--duration",
        `${minutes}m`,
        "--metrics-port",
        String(ports.produce),
        "-f",
        "json",
      ],
      env,
    );
    const names = ["produce", "analyze", "cassandra", "lake", "dashboard"];
    const samples = [];
    const began = performance.now();
    const cpuBefore = Object.fromEntries(names.map((n) => [n, procCpuSeconds(procs[n].child.pid)]));
    let produceDone = false;
    procs.produce.done.then(() => (produceDone = true));
    while (!produceDone) {
      await sleep(SAMPLE_MS);
      if (produceDone) break;
      const minute = Math.round(((performance.now() - began) / 60_000) * 100) / 100;
      const rssMb = {};
      const cpuPercent = {};
      for (const n of names) {
        try {
          rssMb[n] = memoryMb(procs[n].child.pid, "VmRSS");
          const cpu = procCpuSeconds(procs[n].child.pid);
          cpuPercent[n] = Math.round(((cpu - cpuBefore[n]) / (SAMPLE_MS / 1000)) * 100);
          cpuBefore[n] = cpu;
        } catch {
          // The process ended: the report says which at the end.
        }
      }
      const lag = {};
      for (const n of ["analyze", "cassandra", "lake"]) lag[n] = await groupLag(admin, groups[n], topic).catch(() => undefined);
      let p99Ms;
      const m = await scrape(ports.cassandra).catch(() => undefined);
      const q =
        m && Object.entries(m).find(([k]) => k.startsWith("stockpipe_end_to_end_latency_seconds{") && k.includes('quantile="0.99"'));
      if (q && Number.isFinite(q[1])) p99Ms = Math.round(q[1] * 1000 * 10) / 10;
      samples.push({ minute, rssMb, cpuPercent, lag, p99Ms });
      process.stderr.write(
        `soak ${minute.toFixed(1)} min: RSS ${JSON.stringify(rssMb)} MB · CPU ${JSON.stringify(cpuPercent)} % · lag ${JSON.stringify(lag)} · p99 ${p99Ms} ms\n`,
      );
    }
    const produced = JSON.parse((await procs.produce.done).stdout);
    // Let the consumers catch up, then stop everyone with Ctrl-C (their summaries come out as JSON).
    await sleep(15_000);
    for (const n of ["analyze", "cassandra", "lake", "dashboard"]) procs[n].child.kill("SIGINT");
    const ended = Object.fromEntries(
      await Promise.all(["analyze", "cassandra", "lake", "dashboard"].map(async (n) => [n, await procs[n].done])),
    );
    const cassandra = JSON.parse(ended.cassandra.stdout);
    // verify exits 1 on any mismatch: every tick produced must be in Cassandra exactly once (its memory grows
    // with symbol-days, not ticks).
    let verifyOk = true;
    let verifyError;
    try {
      stockpipe(["verify", "--topic", topic, "--sinks", "cassandra", "-f", "json"], env);
    } catch (err) {
      verifyOk = false;
      verifyError = err.message.slice(0, 2000);
    }
    // The verdict: slopes after the warm-up.
    const warm = Math.max(2, minutes / 5);
    const after = samples.filter((s) => s.minute >= warm);
    const rssSlope = Object.fromEntries(
      names.map((n) => [n, slopePer10Min(after.filter((s) => s.rssMb[n] !== undefined).map((s) => ({ x: s.minute, y: s.rssMb[n] })))]),
    );
    const lagSlope = Object.fromEntries(
      ["analyze", "cassandra", "lake"].map((n) => [
        n,
        slopePer10Min(after.filter((s) => s.lag[n] !== undefined).map((s) => ({ x: s.minute, y: s.lag[n] }))),
      ]),
    );
    const p99Points = after.filter((s) => s.p99Ms !== undefined).map((s) => ({ x: s.minute, y: s.p99Ms }));
    const p99Slope = slopePer10Min(p99Points);
    const svg = await plot(samples, names);
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(join(RESULTS, "soak.svg"), svg);
    const rssMet = Object.values(rssSlope).every((s) => s !== undefined && s < 5);
    return {
      benchmark: `soak: produce --rate ${rate} (${SYMBOLS} symbols) for ${minutes} min with analyze (1s, 1m), consume → Cassandra (--latency), consume → lake, and the dashboard with its page open in headless Chromium; a sample every ${SAMPLE_MS / 1000} s; slopes per 10 minutes after ${warm} min of warm-up`,
      minutes,
      rate,
      produced: produced.sent,
      cassandraWritten: cassandra.written,
      verifyCassandra: verifyOk ? "every tick exactly once" : `failed: ${verifyError}`,
      warmupMinutes: warm,
      slopes: { rssMbPer10Min: rssSlope, lagPer10Min: lagSlope, p99MsPer10Min: p99Slope },
      medians: {
        rssMb: Object.fromEntries(names.map((n) => [n, median(after.map((s) => s.rssMb[n]).filter((x) => x !== undefined))])),
        cpuPercent: Object.fromEntries(names.map((n) => [n, median(after.map((s) => s.cpuPercent[n]).filter((x) => x !== undefined))])),
        p99Ms: median(p99Points.map((p) => p.y)),
      },
      peakRssMb: Object.fromEntries(names.map((n) => [n, Math.max(...samples.map((s) => s.rssMb[n] ?? 0))])),
      exits: Object.fromEntries(Object.entries(ended).map(([n, r]) => [n, r.code])),
      bar: { rssMbPer10Min: 5, met: rssMet },
      plot: "bench/results/soak.svg",
      samples,
    };
  } finally {
    await browser?.close().catch(() => {});
    for (const p of Object.values(procs)) if (p.child.exitCode === null) p.child.kill("SIGKILL");
    try {
      stockpipe(["query", `DROP KEYSPACE IF EXISTS ${keyspace}`], env);
    } catch {}
    await deleteAll(admin, topic);
    await admin.disconnect().catch(() => {});
  }
}

if (isMain(import.meta.url)) {
  writeResult("soak", () => benchSoak({ minutes: Number(process.argv[2] ?? 30), rate: Number(process.argv[3] ?? 5000) }));
}
