// npm run bench:cassandra — a topic pre-filled with synthetic ticks, drained into Cassandra by
// `stockpipe consume --sink cassandra --exit-at-end`, once per run into a fresh keyspace and group.
// rows/s per run (drain: first batch to last commit; and including start-up and group join) and the medians.
// Usage: node bench/cassandra.mjs [count] [runs]
import { deleteTopics, isMain, median, stockpipe, writeResult } from "./lib.mjs";

export function benchCassandra({ count = 500_000, runs = 5 } = {}) {
  const topic = `bench-cassandra-${Date.now()}`;
  stockpipe(["topic", "create", topic, "-p", "6"]);
  try {
    stockpipe(["produce", "--source", "synthetic", "--symbols", "500", "--seed", "7", "--limit", String(count), "--topic", topic]);
    const results = [];
    for (let i = 0; i < runs; i++) {
      const keyspace = `bench_${Date.now().toString(36)}_${i}`;
      const env = { STOCKPIPE_CASSANDRA_KEYSPACE: keyspace, STOCKPIPE_KAFKA_TOPIC: topic };
      stockpipe(["schema", "cassandra"], env);
      try {
        const s = JSON.parse(stockpipe(["consume", "--sink", "cassandra", "-g", `bench-${keyspace}`, "--exit-at-end", "-f", "json"], env));
        if (s.written !== count) throw new Error(`run ${i + 1} wrote ${s.written} of ${count} rows`);
        const drain = Math.round(s.written / s.drainSeconds);
        results.push({ run: i + 1, rows: s.written, drainSeconds: s.drainSeconds, rowsPerSecond: drain, totalSeconds: s.seconds, rowsPerSecondWithStartup: s.rowsPerSecond });
        process.stderr.write(`cassandra run ${i + 1}: ${drain} rows/s (${s.rowsPerSecond} with start-up)\n`);
      } finally {
        stockpipe(["query", `DROP KEYSPACE IF EXISTS ${keyspace}`], env);
      }
    }
    const report = {
      benchmark: "Kafka → Cassandra: consume --sink cassandra --exit-at-end (500 symbols, 6 partitions, default consumer settings, ticks + latest_ticks)",
      count,
      runs: results,
      medianRowsPerSecond: median(results.map((r) => r.rowsPerSecond)),
      medianRowsPerSecondWithStartup: median(results.map((r) => r.rowsPerSecondWithStartup)),
      bar: 40_000,
    };
    report.meetsBar = report.medianRowsPerSecond >= report.bar;
    return report;
  } finally {
    deleteTopics(topic);
  }
}

if (isMain(import.meta.url)) writeResult("cassandra", () => benchCassandra({ count: Number(process.argv[2] ?? 500_000), runs: Number(process.argv[3] ?? 5) }));
