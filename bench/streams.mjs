// npm run bench:streams — `stockpipe analyze` beside a Kafka Streams application computing the same bars.
//
// One 6-partition topic pre-filled with seeded synthetic ticks (100 symbols); per run, interleaved: `analyze
// --intervals 1m --exit-at-end` with the alert rules off (bars only, as the Streams app computes), then the Kafka
// Streams app (bench/streams/src/Bars.java: event-time tumbling 1-minute windows on each tick's `ts`, 2 s grace,
// suppress until the window closes, exactly_once_v2, one stream thread; Kafka Streams at the broker's version,
// resolved by Maven and compiled with javac), each with a fresh group/application id, from the process's launch
// until its group's committed offsets reach the topic's end. Ticks/s over that wall time, and CPU µs per tick of
// the process and of Kafka (from /proc). Both outputs are checked against one DuckDB oracle over the produced
// ticks (the same seed, printed by `produce --dry-run`): every 1-minute window that closed before the last
// ticks, with open/close by event time, high, low, volume, VWAP and the trade count.
// Usage: node bench/streams.mjs [count] [runs]
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { DuckDBInstance } from "@duckdb/node-api";
import kafkajs from "kafkajs";
import {
  cpuNow,
  cpuPerRecord,
  deleteAll,
  isMain,
  mavenClasspath,
  median,
  medianOfEach,
  procCpuSeconds,
  RESULTS,
  ROOT,
  servicePids,
  stockpipe,
  writeResult,
} from "./lib.mjs";

const SYMBOLS = 100;
const POM = join(ROOT, "bench", "streams", "pom.xml");
const SOURCE = join(ROOT, "bench", "streams", "src", "Bars.java");
const CLASSES = join(RESULTS, "tmp", "streams-classes");
/** Bars only: the Streams app computes no alerts. */
const NO_RULES = Object.fromEntries(
  ["PRICE_MOVE", "VOLUME_SPIKE", "Z_SCORE", "OPENING_GAP"].map((r) => [`STOCKPIPE_ANALYTICS_RULES_${r}_ENABLED`, "false"]),
);

/** The compiled app's classpath: Kafka Streams' jars, then the classes javac made (again when the source changed). */
function streamsClasspath() {
  const jars = mavenClasspath(POM, "kafka-streams");
  const built = join(CLASSES, "Bars.class");
  if (!existsSync(built) || statSync(built).mtimeMs < statSync(SOURCE).mtimeMs) {
    mkdirSync(CLASSES, { recursive: true });
    const r = spawnSync("javac", ["-d", CLASSES, "-cp", jars, SOURCE], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`javac failed: ${r.stderr}`);
  }
  return `${jars}:${CLASSES}`;
}

async function caughtUp(admin, group, topic, ends) {
  const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  const at = new Map(committed.partitions.map((p) => [p.partition, Number(p.offset)]));
  return ends.every((e) => at.get(e.partition) === Number(e.high));
}

/** The Streams app from launch until its application's offsets reach the end; its CPU seconds and wall time. */
async function runStreams({ classpath, brokers, topic, output, appId, admin, ends }) {
  const log = join(tmpdir(), `${appId}.log`);
  const started = performance.now();
  const child = spawn("java", ["-Xmx1g", "-cp", classpath, "Bars", brokers.join(","), topic, output, appId], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise((resolve) => child.on("close", resolve));
  let cpu = 0;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the Streams app exited (${child.exitCode}): ${stderr.slice(-800)}`);
      cpu = procCpuSeconds(child.pid);
      if (await caughtUp(admin, appId, topic, ends).catch(() => false)) break;
      if (performance.now() - started > 900_000) throw new Error("the Streams app did not catch up within 15 minutes");
      await sleep(100);
    }
    const seconds = (performance.now() - started) / 1000;
    return { seconds, cpuSeconds: cpu };
  } finally {
    child.kill("SIGTERM");
    await exited;
    writeFileSync(log, stderr);
    rmSync(join(tmpdir(), `stockpipe-streams-${appId}`), { recursive: true, force: true });
  }
}

/** The bars on a topic (read committed), as symbol|start → bar. */
async function barsOn(kafka, topic) {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const total = ends.reduce((n, p) => n + Number(p.high), 0);
  const out = new Map();
  if (total === 0) return out;
  const consumer = kafka.consumer({ groupId: `bench-streams-read-${Date.now()}`, readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const last = new Map(ends.map((e) => [e.partition, Number(e.high) - 1]));
  const done = new Set();
  await new Promise((resolve) => {
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        if (message.value) {
          const b = JSON.parse(message.value.toString());
          out.set(`${b.symbol}|${new Date(b.start).toISOString()}`, b);
        }
        // Transaction markers take offsets too: done once the partition's last offset is passed.
        if (Number(message.offset) >= last.get(partition) - 1) done.add(partition);
        if ([...last.keys()].every((p) => done.has(p) || last.get(p) < 0)) resolve();
      },
    });
    setTimeout(resolve, 30_000);
  });
  await consumer.disconnect();
  return out;
}

/** The oracle: DuckDB over the produced ticks; windows that ended before `cutoffMs` (closed on every side). */
async function oracleBars(ticksFile, cutoffMs) {
  const db = await DuckDBInstance.create(":memory:");
  const c = await db.connect();
  const rows = (
    await c.runAndReadAll(`
      SELECT symbol, epoch_ms(time_bucket(INTERVAL 1 minute, ts::TIMESTAMP)) AS start,
             arg_min(price, ts) AS open, max(price) AS high, min(price) AS low, arg_max(price, ts) AS close,
             sum(volume)::DOUBLE AS volume, sum(price * volume) / sum(volume) AS vwap, count(*)::INTEGER AS trades
      FROM read_json('${ticksFile}', columns = {symbol: 'VARCHAR', ts: 'TIMESTAMPTZ', price: 'DOUBLE', volume: 'DOUBLE'})
      GROUP BY 1, 2 HAVING epoch_ms(time_bucket(INTERVAL 1 minute, ts::TIMESTAMP)) + 60000 <= ${cutoffMs}`)
  ).getRowObjectsJS();
  c.closeSync();
  return new Map(rows.map((r) => [`${r.symbol}|${new Date(Number(r.start)).toISOString()}`, r]));
}

/** Bars of `got` in the oracle's range that differ from it, are missing, or are extra (a few, for the report). */
function compare(got, expected) {
  const problems = [];
  const near = (a, b) => Math.abs(Number(a) - Number(b)) <= 1e-9 * Math.max(1, Math.abs(Number(b)));
  for (const [key, e] of expected) {
    const g = got.get(key);
    if (!g) problems.push(`missing ${key}`);
    else
      for (const f of ["open", "high", "low", "close", "volume", "vwap", "trades"])
        if (!near(g[f], e[f])) problems.push(`${key} ${f} ${g[f]} ≠ ${e[f]}`);
  }
  const starts = [...expected.keys()].map((k) => k.split("|")[1]).sort();
  const lastStart = starts.at(-1);
  for (const key of got.keys()) if (!expected.has(key) && key.split("|")[1] <= lastStart) problems.push(`extra ${key}`);
  return { checked: expected.size, problems: problems.length, first: problems.slice(0, 5) };
}

export async function benchStreams({ count = 1_000_000, runs = 3 } = {}) {
  const classpath = streamsClasspath();
  const config = JSON.parse(stockpipe(["config", "show", "-f", "json"]));
  const brokers = config["kafka.brokers"].value;
  const kafka = new kafkajs.Kafka({ brokers, logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const id = Date.now().toString(36);
  const topic = `bench-streams-${id}`;
  const ticks = ["--source", "synthetic", "--symbols", String(SYMBOLS), "--seed", "26", "--limit", String(count)];
  const ticksFile = join(tmpdir(), `${topic}.jsonl`);
  const outputs = [];
  try {
    stockpipe(["topic", "create", topic, "-p", "6"]);
    stockpipe(["produce", ...ticks, "--topic", topic]);
    writeFileSync(ticksFile, stockpipe(["produce", ...ticks, "--dry-run"]));
    const ends = await admin.fetchTopicOffsets(topic);
    const lastTs = Math.max(
      ...readFileSync(ticksFile, "utf8")
        .trimEnd()
        .split("\n")
        .slice(-2000)
        .map((l) => Date.parse(JSON.parse(l).ts)),
    );
    // Every window that ended 2 s (the grace) before the last tick has closed on every partition.
    const oracle = await oracleBars(ticksFile, lastTs - 2000 - 60_000);
    const pids = servicePids();
    const kafkaPid = { kafka: pids.kafka };
    const result = { analyze: [], streams: [] };
    for (let run = 1; run <= runs; run++) {
      // analyze: its own output topics, its own group.
      const aTopic = `${topic}-a${run}`;
      stockpipe(["topic", "create", aTopic, "-p", "6"]);
      outputs.push(aTopic);
      const cpuA0 = cpuNow(kafkaPid);
      const t0 = performance.now();
      const summary = JSON.parse(
        stockpipe(["analyze", "--topic", topic, "--intervals", "1m", "-g", `bench-streams-a-${id}-${run}`, "--exit-at-end", "-f", "json"], {
          ...NO_RULES,
          STOCKPIPE_ANALYTICS_BARS_TOPIC: `${aTopic}.bars.{interval}`,
          STOCKPIPE_ANALYTICS_ALERTS_TOPIC: `${aTopic}.alerts`,
        }),
      );
      const aSeconds = (performance.now() - t0) / 1000;
      const cpuA = cpuPerRecord(cpuA0, cpuNow(kafkaPid), count);
      result.analyze.push({
        run,
        seconds: aSeconds,
        ticksPerSecond: Math.round(count / aSeconds),
        analyzeSeconds: summary.analyzeSeconds,
        cpuUsPerTick: { process: cpuA.stockpipe, kafka: cpuA.kafka },
        oracle: run === 1 ? compare(await barsOn(kafka, `${aTopic}.bars.1m`), oracle) : undefined,
      });
      process.stderr.write(`streams bench run ${run}: analyze ${Math.round(count / aSeconds)} ticks/s (${cpuA.stockpipe} µs/tick)\n`);
      // Kafka Streams.
      const sTopic = `${topic}-s${run}`;
      stockpipe(["topic", "create", sTopic, "-p", "6"]);
      outputs.push(sTopic);
      const k0 = cpuNow(kafkaPid);
      const s = await runStreams({ classpath, brokers, topic, output: sTopic, appId: `bench-streams-s-${id}-${run}`, admin, ends });
      const k = cpuPerRecord(k0, cpuNow(kafkaPid), count);
      const sCpu = Math.round(((s.cpuSeconds * 1e6) / count) * 10) / 10;
      result.streams.push({
        run,
        seconds: s.seconds,
        ticksPerSecond: Math.round(count / s.seconds),
        cpuUsPerTick: { process: sCpu, kafka: k.kafka },
        oracle: run === 1 ? compare(await barsOn(kafka, sTopic), oracle) : undefined,
      });
      process.stderr.write(`streams bench run ${run}: Kafka Streams ${Math.round(count / s.seconds)} ticks/s (${sCpu} µs/tick)\n`);
    }
    const summarize = (r) => ({
      ticksPerSecond: median(r.map((x) => x.ticksPerSecond)),
      cpuUsPerTick: medianOfEach(r.map((x) => x.cpuUsPerTick)),
      oracle: r[0].oracle,
    });
    const analyze = summarize(result.analyze);
    const streams = summarize(result.streams);
    const ratio = Math.round((analyze.ticksPerSecond / streams.ticksPerSecond) * 100) / 100;
    return {
      benchmark: `analyze vs Kafka Streams ${mavenClasspath(POM, "kafka-streams").match(/kafka-streams-([\d.]+)\.jar/)?.[1]}: ${count.toLocaleString("en-US")} seeded ticks of ${SYMBOLS} symbols on 6 partitions, 1-minute OHLCV/VWAP bars, 2 s lateness/grace, exactly once; analyze with its alert rules off; Kafka Streams with one stream thread, suppress until the window closes, exactly_once_v2; wall time from launch to the group's offsets at the end`,
      count,
      runs: result,
      analyze,
      streams,
      ratio,
      bar: { ratio: 1.5, met: ratio >= 1.5 && analyze.oracle?.problems === 0 && streams.oracle?.problems === 0 },
    };
  } finally {
    for (const t of [...outputs, topic]) await deleteAll(admin, t);
    await admin.disconnect().catch(() => {});
    rmSync(ticksFile, { force: true });
  }
}

if (isMain(import.meta.url)) {
  writeResult("streams", () => benchStreams({ count: Number(process.argv[2] ?? 1_000_000), runs: Number(process.argv[3] ?? 3) }));
}
