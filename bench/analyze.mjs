// npm run bench:analyze — `stockpipe analyze` (bars of 1s, 1m and 5m, the default alert rules, exactly once).
//
// Throughput: a 6-partition topic pre-filled with seeded synthetic ticks (500 symbols, then 100), analyzed to its end by
// `analyze --exit-at-end` once per run with a fresh group: ticks/s from the first fetched batch to the last
// committed transaction, and CPU µs per tick of every process (from /proc).
//
// Bar latency: `analyze` joined to a fresh topic, then `produce --source synthetic --symbols 100 --rate R` sends
// on a fixed schedule (open loop; each tick's event time is its scheduled send time). A read_committed reader of
// `<topic>.bars.1s` takes, for every bar, the time from its window closing — its end plus the lateness, when the
// partition's watermark can first pass it — to the bar being readable. The first seconds are left out.
// Usage: node bench/analyze.mjs [count] [runs] [rate] [seconds]
import { setTimeout as sleep } from "node:timers/promises";
import kafkajs from "kafkajs";
import {
  cpuNow,
  cpuPerRecord,
  deleteAll,
  isMain,
  median,
  medianOfEach,
  percentile,
  servicePids,
  start,
  stockpipe,
  writeResult,
} from "./lib.mjs";

const INTERVALS = "1s,1m,5m";
const LATENESS_MS = 2000;

export async function benchAnalyze({ count = 500_000, runs = 3, rate = 17_000, seconds = 30, warmup = 5 } = {}) {
  const brokers = JSON.parse(stockpipe(["config", "show", "-f", "json"]))["kafka.brokers"].value;
  const kafka = new kafkajs.Kafka({ brokers, logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const pids = servicePids();
  try {
    // Throughput, on two streams of the same length: 500 symbols (about 2 ticks per symbol and second of event
    // time: nearly every tick ends in a 1-second bar of its own) and 100 symbols (about 10 ticks per 1-second bar).
    const throughput = [];
    for (const symbols of [500, 100]) {
      const topic = `bench-analyze-${symbols}-${Date.now()}`;
      stockpipe(["topic", "create", topic, "-p", "6"]);
      try {
        stockpipe([
          "produce",
          "--source",
          "synthetic",
          "--symbols",
          String(symbols),
          "--seed",
          "9",
          "--limit",
          String(count),
          "--topic",
          topic,
        ]);
        for (let run = 1; run <= runs; run++) {
          const env = { STOCKPIPE_KAFKA_TOPIC: topic };
          const from = cpuNow(pids);
          const s = JSON.parse(
            stockpipe(["analyze", "-g", `bench-analyze-${Date.now()}`, "--intervals", INTERVALS, "--exit-at-end", "-f", "json"], env),
          );
          const cpu = cpuPerRecord(from, cpuNow(pids), count);
          if (s.consumed !== count) throw new Error(`analyze run ${run} read ${s.consumed} of ${count} ticks`);
          const ticksPerSecond = Math.round(s.consumed / s.analyzeSeconds);
          const bars = Object.values(s.barsByInterval).reduce((a, b) => a + b, 0);
          throughput.push({
            symbols,
            run,
            ticks: s.consumed,
            analyzeSeconds: s.analyzeSeconds,
            ticksPerSecond,
            totalSeconds: s.seconds,
            transactions: s.transactions,
            bars,
            cpuMicrosPerTick: cpu,
            peakRssMb: s.peakRssMb,
          });
          process.stderr.write(
            `analyze ${symbols} symbols run ${run}: ${ticksPerSecond} ticks/s, ${s.transactions} transactions, ${bars} bars\n`,
          );
        }
      } finally {
        await deleteAll(admin, topic);
      }
    }

    // Bar latency at an open-loop input rate.
    const latencyRuns = [];
    for (let run = 1; run <= runs; run++) latencyRuns.push(await latencyRun({ kafka, admin, rate, seconds, warmup, run, pids }));
    const byP99 = [...latencyRuns].sort((a, b) => a.p99Ms - b.p99Ms);
    const medianRun = byP99[Math.floor(byP99.length / 2)];
    const report = {
      benchmark: `analyze --intervals ${INTERVALS} (default rules, lateness ${LATENESS_MS / 1000} s): ${count.toLocaleString("en-US")} pre-produced ticks of 500 and of 100 symbols (1,000 ticks a second of event time) on 6 partitions, to the end; bar latency at an open-loop ${rate.toLocaleString("en-US")} ticks/s of 100 symbols, ${seconds} s per run, the first ${warmup} s left out`,
      count,
      throughput,
      datasets: [500, 100].map((symbols) => {
        const runsOf = throughput.filter((r) => r.symbols === symbols);
        return {
          symbols,
          medianTicksPerSecond: median(runsOf.map((r) => r.ticksPerSecond)),
          barsPerTick: Math.round((runsOf[0].bars / count) * 100) / 100,
          medianCpuMicrosPerTick: medianOfEach(runsOf.map((r) => r.cpuMicrosPerTick)),
          medianPeakRssMb: median(runsOf.map((r) => r.peakRssMb)),
        };
      }),
      latency: {
        rate,
        runs: latencyRuns,
        medianRun: medianRun.run,
        medianP50Ms: median(latencyRuns.map((r) => r.p50Ms)),
        medianP99Ms: median(latencyRuns.map((r) => r.p99Ms)),
      },
      bar: { ticksPerSecond: 100_000, p99Ms: 250 },
    };
    report.meetsBar = {
      throughput: report.datasets[0].medianTicksPerSecond >= 100_000,
      latency: report.latency.medianP99Ms <= 250,
    };
    return report;
  } finally {
    await admin.disconnect();
  }
}

async function latencyRun({ kafka, admin, rate, seconds, warmup, run, pids }) {
  const topic = `bench-analyze-latency-${Date.now()}`;
  const group = `${topic}-g`;
  const env = { STOCKPIPE_KAFKA_TOPIC: topic };
  stockpipe(["topic", "create", topic, "-p", "6"]);
  const reader = kafka.consumer({ groupId: `${topic}-reader`, readUncommitted: false, maxWaitTimeInMs: 100 });
  try {
    const analyzer = start(["analyze", "-g", group, "--intervals", INTERVALS, "-f", "json"], env);
    // analyze creates its output topics before it joins the group.
    for (let i = 0; i < 300; i++) {
      const g = (await admin.describeGroups([group])).groups[0];
      if (g?.state === "Stable" && g.members.length === 1) break;
      await sleep(200);
    }
    const samples = [];
    let firstEnd;
    await reader.connect();
    await reader.subscribe({ topic: `${topic}.bars.1s`, fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        const seen = Date.now();
        const bar = JSON.parse(message.value.toString());
        const end = Date.parse(bar.end);
        firstEnd ??= end;
        if (end - firstEnd >= warmup * 1000) samples.push(seen - (end + LATENESS_MS));
      },
    });
    const producer = start(
      ["produce", "--source", "synthetic", "--symbols", "100", "--rate", String(rate), "--duration", `${seconds}s`, "-f", "json"],
      env,
    );
    const allPids = { ...pids, analyze: analyzer.child.pid, producer: producer.child.pid };
    await sleep(warmup * 1000);
    const cpuFrom = cpuNow(allPids);
    const steady = Math.max(1, seconds - warmup - 2);
    await sleep(steady * 1000);
    const cpuTo = cpuNow(allPids);
    const p = await producer.done;
    if (p.code !== 0) throw new Error(`the producer failed (${p.code}): ${p.stderr}`);
    const sent = JSON.parse(p.stdout).sent;
    await sleep(LATENESS_MS + 2000);
    analyzer.child.kill("SIGTERM");
    const a = await analyzer.done;
    if (a.code !== 130) throw new Error(`analyze failed (${a.code}): ${a.stderr}`);
    const sorted = samples.sort((x, y) => x - y);
    // CPU of the processes over the steady part, in µs per tick sent (the rate is fixed, so per second / rate).
    const cpu =
      cpuFrom && cpuTo
        ? Object.fromEntries(
            ["analyze", "producer", "kafka"].map((k) => [
              k,
              Math.round(((((cpuTo[k] ?? 0) - (cpuFrom[k] ?? 0)) * 1e6) / (steady * rate)) * 10) / 10,
            ]),
          )
        : undefined;
    const r = {
      run,
      sent,
      bars: sorted.length,
      p50Ms: percentile(sorted, 50),
      p95Ms: percentile(sorted, 95),
      p99Ms: percentile(sorted, 99),
      maxMs: sorted[sorted.length - 1],
      cpuMicrosPerTick: cpu,
    };
    process.stderr.write(
      `bar latency ${rate}/s run ${run}: p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, max ${r.maxMs} ms over ${r.bars} bars; CPU µs/tick ${JSON.stringify(cpu)}\n`,
    );
    return r;
  } finally {
    await reader.disconnect().catch(() => {});
    await admin.deleteGroups([`${topic}-reader`]).catch(() => {});
    await deleteAll(admin, topic);
  }
}

if (isMain(import.meta.url))
  writeResult("analyze", () =>
    benchAnalyze({
      count: Number(process.argv[2] ?? 500_000),
      runs: Number(process.argv[3] ?? 3),
      rate: Number(process.argv[4] ?? 17_000),
      seconds: Number(process.argv[5] ?? 30),
    }),
  );
