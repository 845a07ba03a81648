// npm run bench:cassandra — a topic pre-filled with synthetic ticks, drained into Cassandra by
// `stockpipe consume --sink cassandra --exit-at-end`, once per run into a fresh keyspace and group.
// rows/s per run (drain: first batch to last commit; and including start-up and group join) and the medians.
// Usage: node bench/cassandra.mjs [count] [runs]
import { drainBenchmark, isMain, stockpipe, writeResult } from "./lib.mjs";

export function benchCassandra({ count = 500_000, runs = 5 } = {}) {
  const benchmark =
    "Kafka → Cassandra: consume --sink cassandra --exit-at-end (500 symbols, 6 partitions, default consumer settings, ticks + latest_ticks)";
  return drainBenchmark({ name: "cassandra", benchmark, count, runs, seed: 7, bar: 55_000 }, (topic, run, measure) => {
    const keyspace = `bench_${Date.now().toString(36)}_${run}`;
    const env = { STOCKPIPE_CASSANDRA_KEYSPACE: keyspace, STOCKPIPE_KAFKA_TOPIC: topic };
    stockpipe(["schema", "cassandra"], env);
    try {
      return JSON.parse(
        measure(() => stockpipe(["consume", "--sink", "cassandra", "-g", `bench-${keyspace}`, "--exit-at-end", "-f", "json"], env)),
      );
    } finally {
      stockpipe(["query", `DROP KEYSPACE IF EXISTS ${keyspace}`], env);
    }
  });
}

if (isMain(import.meta.url))
  writeResult("cassandra", () => benchCassandra({ count: Number(process.argv[2] ?? 500_000), runs: Number(process.argv[3] ?? 5) }));
