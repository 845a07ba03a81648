// npm run bench:s3 — a topic pre-filled with synthetic ticks, drained into the S3 lake (Parquet, ZSTD) on the
// local S3 server by `stockpipe consume --sink s3 --exit-at-end`, once per run under a fresh prefix and group;
// the lake's row count is checked with the local engine. rows/s per run and the medians.
// Usage: node bench/s3.mjs [count] [runs]
import { deleteTopics, isMain, median, stockpipe, writeResult } from "./lib.mjs";

export function benchS3({ count = 1_000_000, runs = 5 } = {}) {
  const topic = `bench-s3-${Date.now()}`;
  stockpipe(["topic", "create", topic, "-p", "6"]);
  try {
    stockpipe(["produce", "--source", "synthetic", "--symbols", "500", "--seed", "9", "--limit", String(count), "--topic", topic]);
    const results = [];
    for (let i = 0; i < runs; i++) {
      const prefix = `bench/${topic}/run${i + 1}`;
      const env = { STOCKPIPE_S3_PREFIX: prefix, STOCKPIPE_KAFKA_TOPIC: topic };
      const s = JSON.parse(stockpipe(["consume", "--sink", "s3", "-g", `bench-s3-${Date.now()}-${i}`, "--exit-at-end", "-f", "json"], env));
      if (s.written !== count) throw new Error(`run ${i + 1} wrote ${s.written} of ${count} rows`);
      const n = JSON.parse(stockpipe(["query", "--engine", "local", "SELECT count(*) AS n FROM ticks", "-f", "json"], env))[0].n;
      if (n !== count) throw new Error(`run ${i + 1}: the lake holds ${n} rows, expected ${count}`);
      const drain = Math.round(s.written / s.drainSeconds);
      results.push({ run: i + 1, rows: s.written, drainSeconds: s.drainSeconds, rowsPerSecond: drain, totalSeconds: s.seconds, rowsPerSecondWithStartup: s.rowsPerSecond });
      process.stderr.write(`s3 run ${i + 1}: ${drain} rows/s (${s.rowsPerSecond} with start-up)\n`);
    }
    const report = {
      benchmark: "Kafka → S3 lake: consume --sink s3 --exit-at-end (Parquet ZSTD via DuckDB, 500 symbols, 6 partitions, default flush settings, local S3Proxy)",
      count,
      runs: results,
      medianRowsPerSecond: median(results.map((r) => r.rowsPerSecond)),
      medianRowsPerSecondWithStartup: median(results.map((r) => r.rowsPerSecondWithStartup)),
      bar: 150_000,
    };
    report.meetsBar = report.medianRowsPerSecond >= report.bar;
    return report;
  } finally {
    deleteTopics(topic);
  }
}

if (isMain(import.meta.url)) writeResult("s3", () => benchS3({ count: Number(process.argv[2] ?? 1_000_000), runs: Number(process.argv[3] ?? 5) }));
