// npm run bench — every benchmark once, into one report: bench/results/latest.json and latest.md.
// Produce ticks/s; Kafka → Cassandra rows/s; Kafka → S3 rows/s; end-to-end latency into Cassandra at
// open-loop 5,000 (a reference point), 17,000 and 50,000 ticks/s; analyze's throughput and bar latency; the dashboard's CPU, memory and frame times; the machine. Each figure is the median of its
// runs, measured in this one invocation (the machine is shared and noisy: compare figures from the same report).
// Usage: node bench/run.mjs [--quick | --markdown]   (--quick: fewer and smaller runs, to check the harness;
// --markdown: only rewrite latest.md, and the summary in README.md and docs/performance.md, from latest.json)
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { benchAnalyze } from "./analyze.mjs";
import { benchBackfill } from "./backfill.mjs";
import { benchCassandra } from "./cassandra.mjs";
import { benchDashboard } from "./dashboard.mjs";
import { benchDemo } from "./demo.mjs";
import { benchFeeds } from "./feeds.mjs";
import { benchKafkaTools } from "./kafkaTools.mjs";
import { benchLatency } from "./latency.mjs";
import { ensureStack, machine, RESULTS, ROOT } from "./lib.mjs";
import { benchNotify } from "./notify.mjs";
import { benchProduce } from "./produce.mjs";
import { benchProfile } from "./profile.mjs";
import { benchS3 } from "./s3.mjs";
import { benchScaleout } from "./scaleout.mjs";
import { benchSoak } from "./soak.mjs";
import { benchStreams } from "./streams.mjs";

const quick = process.argv.includes("--quick");
/** `--soak [minutes]`: the report also carries a soak of that long (30 minutes by default). */
const soakAt = process.argv.indexOf("--soak");
const soakMinutes = soakAt < 0 ? 0 : Number(process.argv[soakAt + 1]) || 30;
const fmt = (n) => Math.round(n).toLocaleString("en-US");
/** Milliseconds to three significant figures at most: 0.87, 12.9, 1,816. */
const ms = (v) => `${v >= 100 ? fmt(v) : Number(v.toPrecision(3))} ms`;

/** Half the CPU µs per record each path spent before the performance work (producer ~23, consumer → Cassandra ~35, → S3 ~10). */
const CPU_BARS = { produce: 11.5, cassandra: 17.5, s3: 5 };
/** stockpipe produce against Kafka's ProducerPerformance on the same broker, in the same invocation. */
const PRODUCE_RATIO_BAR = 0.4;
const met = (ok) => (ok ? "met" : "**missed**");

/** CPU µs per record of one process, or a dash. */
const us = (cpu, k) => (cpu?.[k] === undefined ? "–" : `${cpu[k]}`);

const produceRatio = (r) => r.produce.medianTicksPerSecond / r.kafkaTools.medianProducerRecordsPerSecond;

/** Each latency bar's text, or "" for a rate without one. */
function latencyBarText(bar) {
  if (!bar) return "";
  return `${bar.p50Ms === undefined ? "" : `p50 ≤ ${bar.p50Ms} ms, `}p99 ≤ ${bar.p99Ms} ms: ${met(bar.met)}`;
}

/** stockpipe next to Kafka's own tools on the same broker, and the CPU each process spends per record. */
function sideBySide(r) {
  const t = r.kafkaTools;
  const ratio = (a, b) => (a / b).toFixed(2);
  const row = (what, rate, unit, cpu, client, bar) =>
    `| ${what} | ${fmt(rate)} ${unit} | ${us(cpu, client)} | ${us(cpu, "kafka")} | ${us(cpu, "cassandra")} | ${us(cpu, "s3")} | ${bar === undefined ? "" : `client ≤ ${bar}: ${met(cpu?.[client] <= bar)}`} |`;
  return [
    "## Side by side with Kafka's own tools, and CPU per record",
    "",
    `${t.benchmark}; medians of ${t.runs.length} runs: ProducerPerformance ${t.runs.map((x) => fmt(x.producerRecordsPerSecond)).join(", ")} records/s; ConsumerPerformance ${t.runs.map((x) => fmt(x.consumerRecordsPerSecond)).join(", ")} records/s.`,
    "",
    "| | records/s | ratio to Kafka's tool | bar |",
    "|---|---:|---:|---|",
    `| ProducerPerformance (acks=all, 189 B) | ${fmt(t.medianProducerRecordsPerSecond)} | 1 | |`,
    `| stockpipe produce | ${fmt(r.produce.medianTicksPerSecond)} | ${ratio(r.produce.medianTicksPerSecond, t.medianProducerRecordsPerSecond)} | ≥ ${PRODUCE_RATIO_BAR}: ${met(produceRatio(r) >= PRODUCE_RATIO_BAR)} |`,
    `| ConsumerPerformance | ${fmt(t.medianConsumerRecordsPerSecond)} | 1 | |`,
    `| stockpipe consume → Cassandra | ${fmt(r.cassandra.medianRowsPerSecond)} | ${ratio(r.cassandra.medianRowsPerSecond, t.medianConsumerRecordsPerSecond)} | |`,
    `| stockpipe consume → S3 lake | ${fmt(r.s3.medianRowsPerSecond)} | ${ratio(r.s3.medianRowsPerSecond, t.medianConsumerRecordsPerSecond)} | |`,
    "",
    "CPU µs per record, each process, over the whole command (from /proc: the client's own CPU, and each service's over the same time; medians of the runs):",
    "",
    "| | throughput | client | Kafka | Cassandra | S3Proxy | bar |",
    "|---|---:|---:|---:|---:|---:|---|",
    row("ProducerPerformance", t.medianProducerRecordsPerSecond, "records/s", t.medianProducerCpuMicrosPerRecord, "tool"),
    row("stockpipe produce", r.produce.medianTicksPerSecond, "ticks/s", r.produce.medianCpuMicrosPerTick, "stockpipe", CPU_BARS.produce),
    row("ConsumerPerformance", t.medianConsumerRecordsPerSecond, "records/s", t.medianConsumerCpuMicrosPerRecord, "tool"),
    row(
      "stockpipe consume → Cassandra",
      r.cassandra.medianRowsPerSecond,
      "rows/s",
      r.cassandra.medianCpuMicrosPerRow,
      "stockpipe",
      CPU_BARS.cassandra,
    ),
    row("stockpipe consume → S3 lake", r.s3.medianRowsPerSecond, "rows/s", r.s3.medianCpuMicrosPerRow, "stockpipe", CPU_BARS.s3),
    "",
    "The client's CPU includes its start-up (JVM or Node, connecting, joining the group) as spread over the run's records.",
    "",
  ];
}

/** analyze: throughput on two streams, CPU per tick, and the time from a window closing to its bar being readable. */
function analyzeSection(a) {
  const cpu = (c) => (c ? `${us(c, "stockpipe")} / ${us(c, "kafka")}` : "–");
  const lines = [
    "",
    "## analyze: bars and alerts, exactly once",
    "",
    `${a.benchmark}.`,
    "",
    "| stream | median | runs | bars per tick | CPU µs per tick (analyze / Kafka) | bar |",
    "|---|---:|---|---:|---|---|",
  ];
  for (const d of a.datasets) {
    const runs = a.throughput.filter((t) => t.symbols === d.symbols).map((t) => fmt(t.ticksPerSecond));
    const bar =
      d.symbols === a.datasets[0].symbols ? `≥ ${fmt(a.bar.ticksPerSecond)}: ${a.meetsBar.throughput ? "met" : "**missed**"}` : "";
    lines.push(
      `| ${d.symbols} symbols | ${fmt(d.medianTicksPerSecond)} ticks/s | ${runs.join(", ")} | ${d.barsPerTick} | ${cpu(d.medianCpuMicrosPerTick)} | ${bar} |`,
    );
  }
  const m = a.latency.runs.find((x) => x.run === a.latency.medianRun);
  const c = m.cpuMicrosPerTick;
  lines.push(
    "",
    `Bar latency at an open-loop ${fmt(a.latency.rate)} ticks/s (100 symbols): from a 1-second window's end plus the lateness — the moment its partition's watermark can pass it — to the bar being readable by a read_committed consumer; the run with the median p99 of ${a.latency.runs.length}:`,
    "",
    "| p50 | p95 | p99 | max | bars | CPU µs per tick (analyze / producer / Kafka) | bar |",
    "|---:|---:|---:|---:|---:|---|---|",
    `| ${ms(m.p50Ms)} | ${ms(m.p95Ms)} | ${ms(m.p99Ms)} | ${ms(m.maxMs)} | ${fmt(m.bars)} | ${c ? `${c.analyze} / ${c.producer} / ${c.kafka}` : "–"} | p99 ≤ ${a.bar.p99Ms} ms: ${a.meetsBar.latency ? "met" : "**missed**"} |`,
    "",
    `p99 of every run: ${a.latency.runs.map((x) => ms(x.p99Ms)).join(", ")}.`,
    "",
  );
  return lines;
}

/** Each hot path under the sampling profiler: busy µs per record by who caused them. */
function profileSection(x) {
  const lines = [
    "## Where the CPU goes: each hot path profiled",
    "",
    `${x.benchmark}. Each sample is charged to the nearest of kafkajs, cassandra-driver, DuckDB or stockpipe's own code on its stack (JSON.parse called by stockpipe is stockpipe's, a buffer copy made by kafkajs is kafkajs'); the rest is Node's own. µs per record of the profiled threads' busy time (the profiler slows them by ~10–30 %, so the shares matter more than the sums). DuckDB's own worker threads, which encode Parquet, are not sampled.`,
    "",
    "| path | threads | busy µs per record | by whom: µs per record (share) | stockpipe's own hottest functions, µs per record |",
    "|---|---:|---:|---|---|",
  ];
  for (const p of x.paths)
    lines.push(
      `| ${p.path} | ${p.threads} | ${p.busyMicrosPerRecord} | ${p.categories.map((c) => `${c.category} ${c.microsPerRecord} (${c.share} %)`).join("; ")} | ${p.topOwnFunctions.map((f) => `${f.name} ${f.microsPerRecord}`).join(", ")} |`,
    );
  lines.push("");
  return lines;
}

/** Live feeds: frames decoded and acknowledged by Kafka per second, CPU per trade, and frame-to-Kafka latency. */
function feedsSection(f) {
  const cpu = (c) => (c ? `${us(c, "stockpipe")} / ${us(c, "kafka")}` : "–");
  const row = (what, x, bar) =>
    `| ${what} | ${fmt(x.medianTradesPerSecond)} | ${fmt(x.medianFramesPerSecond)} | ${x.runs.map((r) => fmt(r.tradesPerSecond)).join(", ")} | ${cpu(x.medianCpuMicrosPerTrade)} | ${bar} |`;
  const l = f.latency;
  return [
    "## Live feeds: a WebSocket feed into Kafka",
    "",
    `${f.benchmark}; medians of ${f.batched.runs.length} runs.`,
    "",
    "| series | trades/s | frames/s | runs | CPU µs per trade (produce / Kafka) | bar |",
    "|---|---:|---:|---|---|---|",
    row("Alpaca, 100 trades a frame", f.batched, ""),
    row("Alpaca, 1 trade a frame", f.oneTradePerFrame, `≥ ${fmt(f.bar.tradesPerSecond)} frames/s: ${met(f.meetsBar.throughput)}`),
    ...(f.coinbase ? [row("Coinbase, 1 match a frame (fractional sizes)", f.coinbase, "")] : []),
    "",
    `Latency at an open-loop ${fmt(l.rate)} frames/s of one trade each, from the server sending a frame to a reader (5 ms fetch wait) reading its tick — an upper bound of frame → acknowledged:`,
    "",
    "| p50 | p99 | frame → sent (decode, batch) p50 / p99 | p99 of every run | bar |",
    "|---:|---:|---|---|---|",
    `| ${ms(l.medianP50Ms)} | ${ms(l.medianP99Ms)} | ${l.medianFrameToSentP50Ms === undefined ? "–" : `${ms(l.medianFrameToSentP50Ms)} / ${ms(l.medianFrameToSentP99Ms)}`} | ${l.runs.map((x) => ms(x.p99Ms)).join(", ")} | p99 ≤ ${f.bar.p99Ms} ms: ${met(f.meetsBar.latency)} |`,
    "",
    ...(f.repair
      ? [
          `Gap repair: after a reconnection Coinbase resumes ${fmt(f.repair.trades)} trades later; the feed fetches them from the REST trade history on the same local server (1,000 a page) and produces them:`,
          "",
          "| trades repaired/s | reconnection → gap filled (acknowledged) | REST pages took | runs (trades/s) | CPU µs per trade (produce / Kafka) |",
          "|---:|---:|---:|---|---|",
          `| ${fmt(f.repair.medianTradesPerSecond)} | ${f.repair.medianFilledSeconds} s | ${f.repair.medianRestSeconds} s | ${f.repair.runs.map((r) => fmt(r.tradesPerSecond)).join(", ")} | ${cpu(f.repair.medianCpuMicrosPerTrade)} |`,
          "",
        ]
      : []),
  ];
}

/** notify: alerts per second to a local webhook, CPU per alert, and the time from an alert's commit to its delivery. */
function notifySection(x) {
  const cpu = (c) => (c ? `${us(c, "stockpipe")} / ${us(c, "kafka")}` : "–");
  const row = (what, y) =>
    `| ${what} | ${fmt(y.medianAlertsPerSecond)} | ${y.runs.map((r) => fmt(r.alertsPerSecond)).join(", ")} | ${cpu(y.medianCpuMicrosPerAlert)} |`;
  const l = x.latency;
  return [
    "## notify: alerts to a webhook",
    "",
    `${x.benchmark}; medians of ${x.grouped.runs.length} runs.`,
    "",
    "| series | alerts/s | runs | CPU µs per alert (notify / Kafka) |",
    "|---|---:|---|---|",
    row("one alert a message", x.oneAlertPerMessage),
    row("grouped (200 ms window), from start-up", x.grouped),
    "",
    `From Kafka acknowledging an alert (produced at an open-loop ${fmt(l.rate)} alerts/s) to the webhook receiving it, one alert a message:`,
    "",
    "| p50 | p99 | p99 of every run | bar |",
    "|---:|---:|---|---|",
    `| ${ms(l.medianP50Ms)} | ${ms(l.medianP99Ms)} | ${l.runs.map((r) => ms(r.p99Ms)).join(", ")} | p99 ≤ ${x.bar.p99Ms} ms: ${met(x.meetsBar.latency)} |`,
    "",
  ];
}

/** backfill: ticks per second from the lake into bars, computed only and sent to Kafka, CPU per tick, memory. */
function backfillSection(x) {
  const row = (what, y) =>
    `| ${what} | ${fmt(y.medianTicksPerSecond)} | ${fmt(y.medianComputeTicksPerSecond)} | ${y.runs.map((r) => fmt(r.ticksPerSecond)).join(", ")} | ${us(y.medianCpuMicrosPerTick, "stockpipe")} / ${us(y.medianCpuMicrosPerTick, "kafka")} | ${fmt(y.medianPeakRssMb)} MB |`;
  const bars = Object.entries(x.toKafka.runs[0].bars)
    .map(([k, v]) => `${fmt(v)} ${k}`)
    .join(", ");
  return [
    "## backfill: bars from the lake",
    "",
    `${x.benchmark}; ${bars} bars; medians of ${x.dryRun.runs.length} runs. Ticks/s over the whole command (the first run also fills the lake's local cache) and over reading and computing alone.`,
    "",
    "| series | ticks/s | read + compute ticks/s | runs | CPU µs per tick (stockpipe / Kafka) | peak RSS |",
    "|---|---:|---:|---|---|---:|",
    row("computed only (--dry-run)", x.dryRun),
    row("bars and alerts sent to Kafka (acks=all)", x.toKafka),
    "",
    `Bar: ≥ ${fmt(x.bar.ticksPerSecond)} ticks/s: computed ${met(x.meetsBar.dryRun)}, sent ${met(x.meetsBar.toKafka)}.`,
    "",
  ];
}

/** analyze beside a Kafka Streams application computing the same bars: ticks/s, CPU per tick, both oracle-checked. */
function streamsSection(x) {
  const row = (what, y) =>
    `| ${what} | ${fmt(y.ticksPerSecond)} | ${us(y.cpuUsPerTick, "process")} / ${us(y.cpuUsPerTick, "kafka")} | ${y.oracle ? `${fmt(y.oracle.checked)} bars, ${y.oracle.problems} differ` : "—"} |`;
  return [
    "## analyze beside Kafka Streams",
    "",
    `${x.benchmark}; medians of ${x.runs.analyze.length} interleaved runs.`,
    "",
    "| processor | ticks/s | CPU µs per tick (process / Kafka) | against the DuckDB oracle |",
    "|---|---:|---|---|",
    row("stockpipe analyze", x.analyze),
    row("Kafka Streams", x.streams),
    "",
    `analyze / Kafka Streams: ${x.ratio}× — bar ≥ ${x.bar.ratio}× with both oracle-exact: ${met(x.bar.met)}.`,
    "",
  ];
}

/** The soak: slopes after warm-up of every process's memory, the lag and the p99, and the plot. */
function soakSection(x) {
  const names = Object.keys(x.slopes.rssMbPer10Min);
  return [
    "## Soak",
    "",
    `${x.benchmark}. Produced ${fmt(x.produced)} ticks; Cassandra ${x.verifyCassandra}.`,
    "",
    "| process | median RSS | peak RSS | RSS slope per 10 min | median CPU |",
    "|---|---:|---:|---:|---:|",
    ...names.map(
      (n) =>
        `| ${n} | ${fmt(x.medians.rssMb[n])} MB | ${fmt(x.peakRssMb[n])} MB | ${x.slopes.rssMbPer10Min[n]} MB | ${x.medians.cpuPercent[n]} % |`,
    ),
    "",
    `Lag slope per 10 min: ${Object.entries(x.slopes.lagPer10Min)
      .map(([k, v]) => `${k} ${v}`)
      .join(
        ", ",
      )}; end-to-end p99 into Cassandra: median ${ms(x.medians.p99Ms)}, slope ${x.slopes.p99MsPer10Min} ms per 10 min. Bar: every RSS slope < ${x.bar.rssMbPer10Min} MB per 10 min: ${met(x.bar.met)}.`,
    "",
    "![memory and p99 over the soak](soak.svg)",
    "",
  ];
}

/** The largest resident set of each stockpipe process, against the bounds it must stay under. */
function memorySection(r) {
  const row = (what, mb, bound) =>
    `| ${what} | ${mb === undefined ? "–" : `${fmt(mb)} MB`} | ${bound ? `< ${bound} MB: ${mb === undefined ? "–" : mb < bound ? "met" : "**missed**"}` : ""} |`;
  return [
    "## Memory: the largest resident set of each stockpipe process",
    "",
    "The kernel's high-water mark of each command (`peakRssMb` in its JSON summary: worker threads included), medians of the runs above.",
    "",
    "| process | peak RSS | bound |",
    "|---|---:|---|",
    row(`produce, ${fmt(r.produce.count)} ticks`, r.produce.medianPeakRssMb, 250),
    row(`consume → Cassandra, ${fmt(r.cassandra.count)} rows`, r.cassandra.medianPeakRssMb, 250),
    row(`consume → S3 lake, ${fmt(r.s3.count)} rows`, r.s3.medianPeakRssMb, 400),
    ...(r.analyze ? [row(`analyze, ${fmt(r.analyze.count)} ticks of 500 symbols`, r.analyze.datasets[0].medianPeakRssMb, 400)] : []),
    ...(r.dashboard ? [row("dashboard, 500 symbols at 17,000 ticks/s", r.dashboard.medianPeakRssMb, 300)] : []),
    "",
  ];
}

/** Several consume processes in one group: drain rate by process count, and the pause of a rebalance. */
function scaleoutSection(x) {
  const cpu = (k) => {
    const c = x.medianCpuMicrosPerRow?.[k];
    return c ? `${c.stockpipe} / ${c.kafka} / ${c.cassandra} µs` : "–";
  };
  return [
    "## Scale-out: consume processes in one group",
    "",
    `${x.benchmark}; medians of ${x.runs.length / 3} runs each, interleaved.`,
    "",
    "| processes | rows/s (start to last exit) | ratio to one | CPU per row: stockpipe / Kafka / Cassandra |",
    "|---:|---:|---:|---|",
    ...[1, 2, 3].map((k) => `| ${k} | ${fmt(x.medianRowsPerSecond[k])} | ${k === 1 ? "1" : x.ratioToOne[k]} | ${cpu(k)} |`),
    "",
    "| a member of three | its partitions consumed again after |",
    "|---|---:|",
    ...x.pauses.map(
      (p) =>
        `| ${p.signal === "SIGTERM" ? "leaves (SIGTERM: commits, leaves the group)" : "dies (SIGKILL: the group waits out its session, 30 s)"} | ${p.pauseSeconds} s |`,
    ),
    "",
    "All processes on this one host share its two cores with Kafka and Cassandra, so more processes add no CPU here: the figures show what a rebalance costs, not how far more hosts go.",
    "",
  ];
}

/** The dashboard under load with the page open: its CPU and memory, the page's frame times. */
function dashboardSection(d) {
  return [
    "## dashboard: the live page under load",
    "",
    `${d.benchmark}; medians of ${d.runs.length} runs.`,
    "",
    "| dashboard CPU | RSS max (peak) | ticks read/s | frame p50 | frame p95 | frame max | frames > 50 ms | bar |",
    "|---:|---:|---:|---:|---:|---:|---:|---|",
    `| ${d.medianCores} cores | ${d.medianRssMaxMb} MB (${d.medianPeakRssMb} MB) | ${fmt(d.medianTicksReadPerSecond)} | ${ms(d.medianFrameP50Ms)} | ${ms(d.medianFrameP95Ms)} | ${ms(d.medianFrameMaxMs)} | ${d.runs.map((x) => x.framesOver50ms).join(", ")} | < 0.5 core and < 300 MB: ${d.medianCores < 0.5 && d.medianPeakRssMb < 300 ? "met" : "**missed**"} |`,
    "",
    "Frame times are the page's requestAnimationFrame intervals in headless Chromium (no GPU) on the same two cores as Kafka, the producer, analyze and the dashboard.",
    "",
  ];
}

/** The headline figures with their bars: the table README.md and docs/performance.md carry (between markers). */
export function summary(r) {
  const lat = (rate) => r.latency.rates.find((x) => x.rate === rate);
  const latBar = (rate) => r.latency.bars.find((b) => b.rate === rate);
  const cpu = (x, k = "stockpipe") => (x === undefined ? "–" : `${x[k]}`);
  const cpuOk = [
    r.produce.medianCpuMicrosPerTick?.stockpipe <= CPU_BARS.produce,
    r.cassandra.medianCpuMicrosPerRow?.stockpipe <= CPU_BARS.cassandra,
    r.s3.medianCpuMicrosPerRow?.stockpipe <= CPU_BARS.s3,
  ];
  const memOk = [r.produce.medianPeakRssMb < 250, r.cassandra.medianPeakRssMb < 250, r.s3.medianPeakRssMb < 400];
  const rows = [
    ...(r.demo
      ? [
          [
            `\`stockpipe demo\`: warm / a fresh machine (\`npm ci\` ${r.demo.npmCiSeconds} s + a first run downloading the stack ${r.demo.firstRunSeconds} s)${r.demo.at && r.demo.at.slice(0, 10) !== r.at.slice(0, 10) ? `, measured ${r.demo.at.slice(0, 10)}` : ""}`,
            `${r.demo.medianWarmSeconds} s / ${r.demo.freshMachineSeconds} s`,
            `≤ ${r.demo.bars.warmSeconds} s / ≤ ${r.demo.bars.freshMachineSeconds} s: ${met(r.demo.medianWarmSeconds <= r.demo.bars.warmSeconds)} / ${met(r.demo.freshMachineSeconds <= r.demo.bars.freshMachineSeconds)}`,
          ],
        ]
      : []),
    [
      "produce: synthetic ticks → Kafka, acks=all",
      `${fmt(r.produce.medianTicksPerSecond)} ticks/s, ${produceRatio(r).toFixed(2)} of Kafka's ProducerPerformance (${fmt(r.kafkaTools.medianProducerRecordsPerSecond)}/s)`,
      `≥ ${fmt(r.produce.bar)} and ≥ ${PRODUCE_RATIO_BAR}: ${met(r.produce.meetsBar && produceRatio(r) >= PRODUCE_RATIO_BAR)}`,
    ],
    [
      "Kafka → Cassandra (drain)",
      `${fmt(r.cassandra.medianRowsPerSecond)} rows/s`,
      `≥ ${fmt(r.cassandra.bar)}: ${met(r.cassandra.meetsBar)}`,
    ],
    ["Kafka → S3 lake, Parquet (drain)", `${fmt(r.s3.medianRowsPerSecond)} rows/s`, `≥ ${fmt(r.s3.bar)}: ${met(r.s3.meetsBar)}`],
    ...[5_000, 17_000]
      .filter(lat)
      .map((rate) => [
        `latency into Cassandra at ${fmt(rate)} ticks/s, open loop`,
        `p50 ${ms(lat(rate).medianP50Ms)}, p99 ${ms(lat(rate).medianP99Ms)}`,
        latencyBarText(latBar(rate)),
      ]),
    [
      "CPU µs per record: produce / consume → Cassandra / consume → S3",
      `${cpu(r.produce.medianCpuMicrosPerTick)} / ${cpu(r.cassandra.medianCpuMicrosPerRow)} / ${cpu(r.s3.medianCpuMicrosPerRow)}`,
      `≤ ${CPU_BARS.produce} / ${CPU_BARS.cassandra} / ${CPU_BARS.s3}: ${cpuOk.map(met).join(" / ")}`,
    ],
    [
      "peak RSS: produce / consume → Cassandra / consume → S3",
      `${fmt(r.produce.medianPeakRssMb)} / ${fmt(r.cassandra.medianPeakRssMb)} / ${fmt(r.s3.medianPeakRssMb)} MB`,
      `< 250 / 250 / 400 MB: ${memOk.map(met).join(" / ")}`,
    ],
  ];
  if (r.analyze)
    rows.push([
      "analyze: bars 1s/1m/5m and alerts, exactly once (500 symbols)",
      `${fmt(r.analyze.datasets[0].medianTicksPerSecond)} ticks/s; a bar readable ${ms(r.analyze.latency.medianP99Ms)} (p99) after its window can close`,
      `≥ ${fmt(r.analyze.bar.ticksPerSecond)}: ${met(r.analyze.meetsBar.throughput)}; p99 ≤ ${r.analyze.bar.p99Ms} ms: ${met(r.analyze.meetsBar.latency)}`,
    ]);
  if (r.feeds)
    rows.push([
      "live feed → Kafka (Alpaca's protocol from a local server)",
      `${fmt(r.feeds.oneTradePerFrame.medianFramesPerSecond)} frames/s of one trade, ${fmt(r.feeds.batched.medianTradesPerSecond)} trades/s in frames of 100; p99 ${ms(r.feeds.latency.medianP99Ms)} frame → read at ${fmt(r.feeds.latency.rate)}/s`,
      `≥ ${fmt(r.feeds.bar.tradesPerSecond)}: ${met(r.feeds.meetsBar.throughput)}; p99 ≤ ${r.feeds.bar.p99Ms} ms: ${met(r.feeds.meetsBar.latency)}`,
    ]);
  if (r.notify)
    rows.push([
      "notify → a local webhook",
      `${fmt(r.notify.oneAlertPerMessage.medianAlertsPerSecond)} alerts/s one a message, ${fmt(r.notify.grouped.medianAlertsPerSecond)} grouped; p99 ${ms(r.notify.latency.medianP99Ms)} from commit to delivery at ${fmt(r.notify.latency.rate)}/s`,
      `p99 ≤ ${r.notify.bar.p99Ms} ms: ${met(r.notify.meetsBar.latency)}`,
    ]);
  if (r.streams)
    rows.push([
      "analyze vs Kafka Streams, same topic, 1m bars",
      `${fmt(r.streams.analyze.ticksPerSecond)} vs ${fmt(r.streams.streams.ticksPerSecond)} ticks/s (${r.streams.ratio}×); ${us(r.streams.analyze.cpuUsPerTick, "process")} vs ${us(r.streams.streams.cpuUsPerTick, "process")} µs CPU per tick`,
      `≥ ${r.streams.bar.ratio}×, both oracle-exact: ${met(r.streams.bar.met)}`,
    ]);
  if (r.soak) {
    const slopes = Object.entries(r.soak.slopes.rssMbPer10Min);
    rows.push([
      `soak: the whole pipeline for ${r.soak.minutes} min at ${fmt(r.soak.rate)} ticks/s`,
      `RSS slope per 10 min after warm-up ${slopes.map(([, v]) => v).join(" / ")} MB (${slopes.map(([n]) => n).join(" / ")}); p99 into Cassandra median ${fmt(r.soak.medians.p99Ms)} ms, slope ${r.soak.slopes.p99MsPer10Min} ms per 10 min`,
      `every slope < ${r.soak.bar.rssMbPer10Min} MB: ${met(r.soak.bar.met)}`,
    ]);
  }
  if (r.backfill)
    rows.push([
      "backfill: a 5,000,000-tick lake → 1m/5m/1h/1d bars",
      `${fmt(r.backfill.dryRun.medianTicksPerSecond)} ticks/s computed, ${fmt(r.backfill.toKafka.medianTicksPerSecond)} with the bars sent to Kafka; peak ${fmt(r.backfill.dryRun.medianPeakRssMb)} MB`,
      `≥ ${fmt(r.backfill.bar.ticksPerSecond)}: ${met(r.backfill.meetsBar.dryRun)} / ${met(r.backfill.meetsBar.toKafka)}`,
    ]);
  if (r.dashboard)
    rows.push([
      "dashboard, page open, 500 symbols at 17,000 ticks/s",
      `${r.dashboard.medianCores} cores, ${fmt(r.dashboard.medianPeakRssMb)} MB; frame p95 ${ms(r.dashboard.medianFrameP95Ms)}`,
      `< 0.5 core and < 300 MB: ${met(r.dashboard.medianCores < 0.5 && r.dashboard.medianPeakRssMb < 300)}`,
    ]);
  if (r.scaleout)
    rows.push([
      "1 / 2 / 3 consume processes in one group → Cassandra",
      `${[1, 2, 3].map((k) => fmt(r.scaleout.medianRowsPerSecond[k])).join(" / ")} rows/s (one host, two cores)`,
      "",
    ]);
  return [
    `Measured ${r.at.slice(0, 10)} by \`npm run bench\` (${r.minutes} min) on Node ${r.machine.node.replace(/^v/, "")} and 2 shared cores with Kafka, Cassandra and S3Proxy on the same machine; medians of ${r.produce.runs.length} runs. The whole report: [bench/results/latest.md](${"bench/results/latest.md"}).`,
    "",
    "| what | measured | bar |",
    "|---|---|---|",
    ...rows.map((x) => `| ${x.join(" | ")} |`),
  ];
}

/** Replaces the lines between `<!-- bench:summary -->` and `<!-- /bench:summary -->` in a file with the summary. */
function writeSummary(file, r, linkPrefix) {
  const text = readFileSync(file, "utf8");
  const start = "<!-- bench:summary -->";
  const end = "<!-- /bench:summary -->";
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`${file} has no ${start} … ${end} section`);
  const body = summary(r).join("\n").replace("](bench/results/latest.md)", `](${linkPrefix}bench/results/latest.md)`);
  writeFileSync(file, `${text.slice(0, i + start.length)}\n${body}\n${text.slice(j)}`);
}

function markdown(r) {
  const bar = met;
  const lines = [
    "# stockpipe benchmark report",
    "",
    `Measured ${r.at} with \`npm run bench\` (${r.minutes} min). Each figure is the median of its runs from this one invocation.`,
    "",
    `Machine: ${r.machine.cores} cores (${r.machine.cpu}), ${r.machine.memoryGiB} GiB, ${r.machine.os}; Node ${r.machine.node}; ${r.machine.java}; ` +
      `Kafka ${r.machine.kafka}, Cassandra ${r.machine.cassandra}, ${r.machine.s3}; kafkajs ${r.machine.kafkajs}, cassandra-driver ${r.machine.cassandraDriver}, DuckDB ${r.machine.duckdb}. ` +
      "Kafka, Cassandra, the S3 server and stockpipe's own processes share the cores.",
    "",
    "## Throughput",
    "",
    "| what | median | runs | bar | |",
    "|---|---:|---|---:|---|",
    `| produce: synthetic ticks → Kafka (acks=all) | ${fmt(r.produce.medianTicksPerSecond)} ticks/s (${r.produce.medianMBPerSecond} MB/s) | ${r.produce.runs.map((x) => fmt(x.ticksPerSecond)).join(", ")} | ${fmt(r.produce.bar)} | ${bar(r.produce.meetsBar)} |`,
    `| Kafka → Cassandra (drain) | ${fmt(r.cassandra.medianRowsPerSecond)} rows/s | ${r.cassandra.runs.map((x) => fmt(x.rowsPerSecond)).join(", ")} | ${fmt(r.cassandra.bar)} | ${bar(r.cassandra.meetsBar)} |`,
    `| Kafka → S3 lake, Parquet (drain) | ${fmt(r.s3.medianRowsPerSecond)} rows/s | ${r.s3.runs.map((x) => fmt(x.rowsPerSecond)).join(", ")} | ${fmt(r.s3.bar)} | ${bar(r.s3.meetsBar)} |`,
    "",
    `Counts: produce ${fmt(r.produce.count)} ticks per run; Cassandra ${fmt(r.cassandra.count)} rows per run (with start-up and group join: ${fmt(r.cassandra.medianRowsPerSecondWithStartup)} rows/s); ` +
      `S3 ${fmt(r.s3.count)} rows per run, row count checked with \`query --engine local\` (with start-up: ${fmt(r.s3.medianRowsPerSecondWithStartup)} rows/s).`,
    "",
    ...sideBySide(r),
    "## End-to-end latency into Cassandra (open loop)",
    "",
    "From each tick's scheduled send time to Cassandra acknowledging its row; " +
      r.latency.benchmark.split(";").slice(1).join(";").trim() +
      ".",
    "",
    "| input rate | achieved | p50 | p95 | p99 | p99.9 | max | rows | CPU % (producer / consumer / Kafka / Cassandra) | bar |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
  ];
  for (const rate of r.latency.rates) {
    const m = rate.runs.find((x) => x.run === rate.medianRun);
    const l = m.latency;
    const cpu = m.cpuPercent
      ? `${m.cpuPercent.producer} / ${m.cpuPercent.consumer} / ${m.cpuPercent.kafka} / ${m.cpuPercent.cassandra}`
      : "n/a";
    const barText = latencyBarText(r.latency.bars.find((b) => b.rate === rate.rate));
    lines.push(
      `| ${fmt(rate.rate)}/s | ${fmt(m.achievedRate)}/s | ${ms(l.p50Ms)} | ${ms(l.p95Ms)} | ${ms(l.p99Ms)} | ${ms(l.p999Ms)} | ${ms(l.maxMs)} | ${fmt(l.rows)} | ${cpu} | ${barText} |`,
    );
  }
  lines.push(
    "",
    `The row shown is the run with the median p99; p99 of every run: ${r.latency.rates.map((x) => `${fmt(x.rate)}/s: ${x.runs.map((y) => ms(y.latency.p99Ms)).join(", ")}`).join("; ")}.`,
    "",
  );
  lines.push(
    "Where the time goes (the same runs): event → produced is the producer behind its schedule; produced → sent, batching linger and requests queued behind one in flight (from the `produced-at` header to the Kafka timestamp kafkajs sets when it encodes the request); sent → fetched, the broker and the consumer's fetch loop (kafkajs fetches again only when the previous batches are written); fetched → written, decoding and the Cassandra write.",
    "",
  );
  lines.push(
    "| input rate | event → produced p50 / p99 | produced → sent p50 / p99 | sent → fetched p50 / p99 | fetched → written p50 / p99 |",
    "|---:|---|---|---|---|",
  );
  for (const rate of r.latency.rates) {
    const s = rate.runs.find((x) => x.run === rate.medianRun).latency.stages;
    const cell = (p) => `${ms(p.p50Ms)} / ${ms(p.p99Ms)}`;
    lines.push(
      `| ${fmt(rate.rate)}/s | ${cell(s.eventToProduced)} | ${cell(s.producedToSent)} | ${cell(s.sentToFetched)} | ${cell(s.fetchedToWritten)} |`,
    );
  }
  if (r.analyze) lines.push(...analyzeSection(r.analyze));
  if (r.feeds) lines.push(...feedsSection(r.feeds));
  if (r.notify) lines.push(...notifySection(r.notify));
  if (r.backfill) lines.push(...backfillSection(r.backfill));
  if (r.streams) lines.push(...streamsSection(r.streams));
  if (r.soak) lines.push(...soakSection(r.soak));
  if (r.dashboard) lines.push(...dashboardSection(r.dashboard));
  if (r.scaleout) lines.push(...scaleoutSection(r.scaleout));
  lines.push(...memorySection(r));
  if (r.profile) lines.push(...profileSection(r.profile));
  const missed = [
    !r.produce.meetsBar && `produce (${fmt(r.produce.medianTicksPerSecond)} < ${fmt(r.produce.bar)} ticks/s)`,
    !r.cassandra.meetsBar && `Kafka → Cassandra (${fmt(r.cassandra.medianRowsPerSecond)} < ${fmt(r.cassandra.bar)} rows/s)`,
    !r.s3.meetsBar && `Kafka → S3 (${fmt(r.s3.medianRowsPerSecond)} < ${fmt(r.s3.bar)} rows/s)`,
    r.analyze?.meetsBar.throughput === false &&
      `analyze throughput (${fmt(r.analyze.datasets[0].medianTicksPerSecond)} < ${fmt(r.analyze.bar.ticksPerSecond)} ticks/s)`,
    r.analyze?.meetsBar.latency === false && `analyze bar latency (p99 ${ms(r.analyze.latency.medianP99Ms)} > ${r.analyze.bar.p99Ms} ms)`,
    r.feeds?.meetsBar.throughput === false &&
      `live feed frames (${fmt(r.feeds.oneTradePerFrame.medianFramesPerSecond)} < ${fmt(r.feeds.bar.tradesPerSecond)} frames/s)`,
    r.feeds?.meetsBar.latency === false && `live feed latency (p99 ${ms(r.feeds.latency.medianP99Ms)} > ${r.feeds.bar.p99Ms} ms)`,
    r.notify?.meetsBar.latency === false && `notify latency (p99 ${ms(r.notify.latency.medianP99Ms)} > ${r.notify.bar.p99Ms} ms)`,
    produceRatio(r) < PRODUCE_RATIO_BAR && `produce against ProducerPerformance (${produceRatio(r).toFixed(2)} < ${PRODUCE_RATIO_BAR})`,
    ...r.latency.bars
      .filter((b) => b.met === false)
      .map((b) => {
        const at = r.latency.rates.find((x) => x.rate === b.rate);
        return `latency at ${fmt(b.rate)}/s (p50 ${ms(at.medianP50Ms)}, p99 ${ms(at.medianP99Ms)}; bar ${latencyBarText(b).split(":")[0]})`;
      }),
    ...[
      ["produce", r.produce.medianCpuMicrosPerTick, CPU_BARS.produce],
      ["consume → Cassandra", r.cassandra.medianCpuMicrosPerRow, CPU_BARS.cassandra],
      ["consume → S3", r.s3.medianCpuMicrosPerRow, CPU_BARS.s3],
    ]
      .filter(([, cpu, b]) => !(cpu?.stockpipe <= b))
      .map(([what, cpu, b]) => `CPU per record of ${what} (${cpu?.stockpipe} > ${b} µs)`),
    ...[
      ["produce", r.produce.medianPeakRssMb, 250],
      ["consume → Cassandra", r.cassandra.medianPeakRssMb, 250],
      ["consume → S3", r.s3.medianPeakRssMb, 400],
      ...(r.analyze ? [["analyze", r.analyze.datasets[0].medianPeakRssMb, 400]] : []),
    ]
      .filter(([, mb, b]) => !(mb < b))
      .map(([what, mb, b]) => `memory of ${what} (${fmt(mb)} ≥ ${b} MB)`),
  ].filter(Boolean);
  lines.push(
    "",
    "## Bars",
    "",
    missed.length
      ? `Missed on this machine: ${missed.join("; ")}. docs/performance.md says what holds each, from the profiles above.`
      : "Every bar is met.",
    "",
  );
  lines.push(
    "Reproduce: `npm run bench` (about 30 minutes; `npm run bench -- --soak` adds the half-hour soak; starts the local stack's missing services and stops only those). Single parts: `npm run bench:produce`, `bench:cassandra`, `bench:s3` (with thread counts, e.g. `node bench/s3.mjs 1000000 3 0,1,2`, an interleaved A/B of `consumer.decodeThreads`), `bench:latency`, `bench:analyze`, `bench:feeds`, `bench:notify`, `bench:dashboard`, `bench:scaleout`, `bench:profile`, `bench:kafka-tools`, `bench:streams`, `bench:soak`.",
    "",
  );
  return lines.join("\n");
}

// --markdown: rewrite latest.md from latest.json (after a change to the report's layout), running nothing;
// --with <name>: first put a part measured alone (bench/results/<name>.json) into the report, dated.
if (process.argv.includes("--markdown")) {
  const report = JSON.parse(readFileSync(join(RESULTS, "latest.json"), "utf8"));
  const withAt = process.argv.indexOf("--with");
  if (withAt > 0) {
    const name = process.argv[withAt + 1];
    report[name] = JSON.parse(readFileSync(join(RESULTS, `${name}.json`), "utf8"));
    writeFileSync(join(RESULTS, "latest.json"), `${JSON.stringify(report, null, 2)}\n`);
  }
  writeFileSync(join(RESULTS, "latest.md"), markdown(report));
  writeSummary(join(ROOT, "README.md"), report, "");
  writeSummary(join(ROOT, "docs", "performance.md"), report, "../");
  process.exit(0);
}

const stop = ensureStack();
try {
  const t0 = Date.now();
  const report = { at: new Date().toISOString(), machine: machine() };
  report.kafkaTools = benchKafkaTools(quick ? { count: 100_000, runs: 1 } : { count: 500_000, runs: 3 });
  report.produce = benchProduce(quick ? { count: 100_000, runs: 1 } : { count: 500_000, runs: 3 });
  report.cassandra = benchCassandra(quick ? { count: 100_000, runs: 1 } : { count: 500_000, runs: 3 });
  report.s3 = benchS3(quick ? { count: 100_000, runs: 1 } : { count: 1_000_000, runs: 3 });
  report.latency = await benchLatency(quick ? { runs: 1, seconds: 12, warmup: 3 } : { runs: 3, seconds: 30, warmup: 5 });
  report.dashboard = await benchDashboard(quick ? { runs: 1, seconds: 10, warmup: 5 } : { runs: 3 });
  report.analyze = await benchAnalyze(quick ? { count: 100_000, runs: 1, seconds: 12, warmup: 3 } : { count: 500_000, runs: 3 });
  report.feeds = await benchFeeds(quick ? { count: 60_000, runs: 1, seconds: 8 } : { count: 300_000, runs: 3 });
  report.notify = await benchNotify(quick ? { count: 4_000, runs: 1, seconds: 8 } : { count: 20_000, runs: 3 });
  report.backfill = await benchBackfill(quick ? { count: 500_000, runs: 1 } : { count: 5_000_000, runs: 3 });
  report.streams = await benchStreams(quick ? { count: 200_000, runs: 1 } : { count: 1_000_000, runs: 3 });
  // The soak takes half an hour: with --soak [minutes] only.
  if (soakMinutes) report.soak = await benchSoak({ minutes: soakMinutes });
  report.demo = benchDemo(quick ? { runs: 1 } : { runs: 3 });
  report.scaleout = await benchScaleout(quick ? { count: 100_000, runs: 1 } : { count: 300_000, runs: 3 });
  report.profile = benchProfile(quick ? { count: 100_000 } : { count: 500_000 });
  report.minutes = Math.round((Date.now() - t0) / 6000) / 10;
  mkdirSync(RESULTS, { recursive: true });
  const name = quick ? "quick" : "latest";
  writeFileSync(join(RESULTS, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
  const md = markdown(report);
  writeFileSync(join(RESULTS, `${name}.md`), md);
  // The headline table in README.md and docs/performance.md comes from the committed report, not a quick one.
  if (!quick) {
    writeSummary(join(ROOT, "README.md"), report, "");
    writeSummary(join(ROOT, "docs", "performance.md"), report, "../");
  }
  process.stdout.write(md);
} finally {
  stop();
}
