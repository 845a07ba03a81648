// npm run bench:backfill — `stockpipe backfill` over a lake of `count` ticks (default 5,000,000): 50 symbols over
// five days, written as the lake sink writes them (Parquet, ZSTD, one dt= folder a day) by DuckDB and put in the
// local S3 under a fresh prefix. Then `backfill --from <day 1> --to <day 6>` into 1m, 5m, 1h and 1d bars, `runs`
// times each way: `--dry-run` (lake → analyzer: what backfill itself costs) and sending the bars and alerts to
// Kafka (acks=all). The first run of each series also fills the local cache of the lake (the sync is timed apart).
// Reported: ticks/s over the whole command and over the read-and-compute part, CPU µs per tick of stockpipe and
// Kafka (from /proc), and the command's peak RSS.
// Usage: node bench/backfill.mjs [count] [runs]
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DuckDBInstance } from "@duckdb/node-api";
import { cpuNow, cpuPerRecord, deleteTopics, isMain, median, medianOfEach, servicePids, stockpipe, writeResult } from "./lib.mjs";

// The SDK's notice about future Node versions is for stockpipe's users, not for this script's own S3 client.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const SYMBOLS = 50;
const DAYS = 5;
const FIRST = Date.parse("2024-03-04T00:00:00Z");

/** Writes `count` ticks as the lake's Parquet files under `dir`/ticks/dt=YYYY-MM-DD/. */
async function writeLake(dir, count) {
  mkdirSync(dir, { recursive: true });
  const db = await DuckDBInstance.create(":memory:");
  const c = await db.connect();
  const stepMicros = Math.floor((DAYS * 86_400_000_000) / count);
  // A random walk per symbol would need a window over 5M rows; a deterministic wobble is enough for bars.
  await c.run(`
    COPY (
      SELECT 'S' || lpad((i % ${SYMBOLS})::VARCHAR, 3, '0') AS symbol,
             make_timestamp(${FIRST * 1000}::BIGINT + i * ${stepMicros}) AS ts,
             round(100 + (i % ${SYMBOLS}) * 3 + sin(i / 5000.0) * 5 + (hash(i) % 100) / 1000.0, 2) AS price,
             (1 + hash(i * 7) % 400)::BIGINT AS volume,
             'bench' AS source, i::BIGINT AS seq, uuid()::VARCHAR AS id,
             strftime(make_timestamp(${FIRST * 1000}::BIGINT + i * ${stepMicros}), '%Y-%m-%d') AS dt
      FROM range(${count}) t(i)
    ) TO '${join(dir, "ticks")}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (dt))`);
  c.closeSync();
}

async function upload(dir, prefix) {
  const creds = JSON.parse(readFileSync(join(homedir(), ".stockpipe", "local", "s3", "credentials.json"), "utf8"));
  const s3 = new S3Client({ endpoint: "http://127.0.0.1:9000", region: "us-east-1", forcePathStyle: true, credentials: creds });
  const files = readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith(".parquet"));
  for (const f of files)
    await s3.send(
      new PutObjectCommand({
        Bucket: "stockpipe",
        Key: `${prefix}/${relative(dir, join(dir, String(f)))}`,
        Body: readFileSync(join(dir, String(f))),
      }),
    );
  s3.destroy();
  return files.length;
}

function runOnce({ prefix, topic, count, dryRun }) {
  const pids = servicePids();
  const env = { STOCKPIPE_S3_PREFIX: prefix, STOCKPIPE_ANALYTICS_INTERVALS: "1m,5m,1h,1d" };
  const from = cpuNow(pids);
  const started = performance.now();
  const summary = JSON.parse(
    stockpipe(
      [
        "backfill",
        "--topic",
        topic,
        "--from",
        new Date(FIRST).toISOString(),
        "--to",
        new Date(FIRST + DAYS * 86_400_000).toISOString(),
        ...(dryRun ? ["--dry-run"] : []),
        "-f",
        "json",
      ],
      env,
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  const to = cpuNow(pids);
  if (summary.ticks !== count) throw new Error(`backfill read ${summary.ticks} ticks, the lake has ${count}`);
  return {
    ticksPerSecond: Math.round(count / seconds),
    computeTicksPerSecond: Math.round(count / summary.computeSeconds),
    syncSeconds: summary.syncSeconds,
    seconds: Math.round(seconds * 100) / 100,
    bars: summary.barsByInterval,
    alerts: summary.alerts,
    peakRssMb: summary.peakRssMb,
    cpuMicrosPerTick: cpuPerRecord(from, to, count),
  };
}

export async function benchBackfill({ count = 5_000_000, runs = 3 } = {}) {
  const dir = join(tmpdir(), `sp-bench-backfill-${Date.now()}`);
  const prefix = `bench/backfill-${Date.now().toString(36)}`;
  const topic = `bench-backfill-${Date.now().toString(36)}`;
  process.stderr.write(`writing a lake of ${count.toLocaleString("en-US")} ticks…\n`);
  await writeLake(dir, count);
  const files = await upload(dir, prefix);
  rmSync(dir, { recursive: true, force: true });
  stockpipe(["topic", "create", topic, "-p", "6"]);
  const dry = [];
  const sent = [];
  try {
    for (let run = 1; run <= runs; run++) {
      dry.push(runOnce({ prefix, topic, count, dryRun: true }));
      sent.push(runOnce({ prefix, topic, count, dryRun: false }));
      process.stderr.write(`run ${run}: dry ${dry.at(-1).ticksPerSecond}/s, sent ${sent.at(-1).ticksPerSecond}/s\n`);
    }
  } finally {
    deleteTopics(topic);
  }
  const summary = (list) => ({
    runs: list,
    medianTicksPerSecond: median(list.map((r) => r.ticksPerSecond)),
    medianComputeTicksPerSecond: median(list.map((r) => r.computeTicksPerSecond)),
    medianPeakRssMb: median(list.map((r) => r.peakRssMb)),
    medianCpuMicrosPerTick: medianOfEach(list.map((r) => r.cpuMicrosPerTick)),
  });
  const report = {
    benchmark: `backfill: a lake of ${count.toLocaleString("en-US")} ticks (${SYMBOLS} symbols, ${DAYS} days, ${files} Parquet files on the local S3) → 1m, 5m, 1h, 1d bars and volumeSpike alerts`,
    count,
    dryRun: summary(dry),
    toKafka: summary(sent),
    bar: { ticksPerSecond: 500_000 },
  };
  report.meetsBar = { dryRun: report.dryRun.medianTicksPerSecond >= 500_000, toKafka: report.toKafka.medianTicksPerSecond >= 500_000 };
  return report;
}

if (isMain(import.meta.url))
  writeResult("backfill", () => benchBackfill({ count: Number(process.argv[2] ?? 5_000_000), runs: Number(process.argv[3] ?? 3) }));
