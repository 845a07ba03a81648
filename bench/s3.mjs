// npm run bench:s3 — a topic pre-filled with synthetic ticks, drained into the S3 lake (Parquet, ZSTD) on the
// local S3 server by `stockpipe consume --sink s3 --exit-at-end`, once per run under a fresh prefix and group;
// the lake's row count is checked with the local engine. rows/s per run and the medians.
// Usage: node bench/s3.mjs [count] [runs]
import { drainBenchmark, isMain, stockpipe, writeResult } from "./lib.mjs";

export function benchS3({ count = 1_000_000, runs = 5 } = {}) {
  const benchmark =
    "Kafka → S3 lake: consume --sink s3 --exit-at-end (Parquet ZSTD via DuckDB, 500 symbols, 6 partitions, default flush settings, local S3Proxy)";
  return drainBenchmark({ name: "s3", benchmark, count, runs, seed: 9, bar: 200_000 }, (topic, run, measure) => {
    const env = { STOCKPIPE_S3_PREFIX: `bench/${topic}/run${run}`, STOCKPIPE_KAFKA_TOPIC: topic };
    const s = JSON.parse(
      measure(() => stockpipe(["consume", "--sink", "s3", "-g", `bench-s3-${Date.now()}-${run}`, "--exit-at-end", "-f", "json"], env)),
    );
    const n = JSON.parse(stockpipe(["query", "--engine", "local", "SELECT count(*) AS n FROM ticks", "-f", "json"], env))[0].n;
    if (n !== count) throw new Error(`s3 run ${run}: the lake holds ${n} rows, expected ${count}`);
    return s;
  });
}

if (isMain(import.meta.url))
  writeResult("s3", () => benchS3({ count: Number(process.argv[2] ?? 1_000_000), runs: Number(process.argv[3] ?? 5) }));
