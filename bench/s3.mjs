// npm run bench:s3 — a topic pre-filled with synthetic ticks, drained into the S3 lake (Parquet, ZSTD) on the
// local S3 server by `stockpipe consume --sink s3 --exit-at-end`, once per run under a fresh prefix and group;
// the lake's row count is checked with the local engine. rows/s per run and the medians.
// With a list of decode thread counts (`consumer.decodeThreads`), the runs alternate between them on the same
// topic — an interleaved A/B — and the report gives each setting's median: bench/results/s3-decode.json.
// Usage: node bench/s3.mjs [count] [runs] [threads,threads,…]   e.g. node bench/s3.mjs 1000000 3 0,1,2
import { drainBenchmark, isMain, median, medianOfEach, stockpipe, writeResult } from "./lib.mjs";

export function benchS3({ count = 1_000_000, runs = 5, env: extra = () => ({}) } = {}) {
  const benchmark =
    "Kafka → S3 lake: consume --sink s3 --exit-at-end (Parquet ZSTD via DuckDB, 500 symbols, 6 partitions, default flush settings, local S3Proxy)";
  return drainBenchmark({ name: "s3", benchmark, count, runs, seed: 9, bar: 200_000 }, (topic, run, measure) => {
    const env = { STOCKPIPE_S3_PREFIX: `bench/${topic}/run${run}`, STOCKPIPE_KAFKA_TOPIC: topic, ...extra(run) };
    const s = JSON.parse(
      measure(() => stockpipe(["consume", "--sink", "s3", "-g", `bench-s3-${Date.now()}-${run}`, "--exit-at-end", "-f", "json"], env)),
    );
    const n = JSON.parse(stockpipe(["query", "--engine", "local", "SELECT count(*) AS n FROM ticks", "-f", "json"], env))[0].n;
    if (n !== count) throw new Error(`s3 run ${run}: the lake holds ${n} rows, expected ${count}`);
    return s;
  });
}

/** The drain with each number of decode threads, runs interleaved: run r uses settings[(r - 1) % settings.length]. */
export function benchDecodeThreads({ count, runs, settings }) {
  const threadsOf = (run) => settings[(run - 1) % settings.length];
  const report = benchS3({
    count,
    runs: runs * settings.length,
    env: (run) => ({ STOCKPIPE_CONSUMER_DECODE_THREADS: String(threadsOf(run)) }),
  });
  const bySetting = settings.map((threads) => {
    const mine = report.runs.filter((r) => threadsOf(r.run) === threads);
    return {
      decodeThreads: threads,
      rowsPerSecond: mine.map((r) => r.rowsPerSecond),
      medianRowsPerSecond: median(mine.map((r) => r.rowsPerSecond)),
      medianCpuMicrosPerRow: medianOfEach(mine.map((r) => r.cpuMicrosPerRow)),
      medianPeakRssMb: median(mine.map((r) => r.peakRssMb)),
    };
  });
  return {
    benchmark: `${report.benchmark}; consumer.decodeThreads ${settings.join(" / ")}, runs interleaved`,
    count,
    bySetting,
    runs: report.runs,
  };
}

if (isMain(import.meta.url)) {
  const count = Number(process.argv[2] ?? 1_000_000);
  const runs = Number(process.argv[3] ?? 5);
  if (process.argv[4])
    writeResult("s3-decode", () => benchDecodeThreads({ count, runs, settings: process.argv[4].split(",").map(Number) }));
  else writeResult("s3", () => benchS3({ count, runs }));
}
