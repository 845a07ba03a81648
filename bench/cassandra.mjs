// npm run bench:cassandra — a topic pre-filled with synthetic ticks, drained into Cassandra by
// `stockpipe consume --sink cassandra --exit-at-end`, once per run into a fresh keyspace and group.
// Prints rows/s per run (drain: first batch to last commit; and end to end including start-up and group
// join) and the medians, with the machine. Usage: node bench/cassandra.mjs [count] [runs]
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, ensureStack, machine, median, stockpipe } from "./lib.mjs";

const count = Number(process.argv[2] ?? 500_000);
const runs = Number(process.argv[3] ?? 5);
const stop = ensureStack();
const topic = `bench-cassandra-${Date.now()}`;
const keyspaces = [];
try {
  stockpipe(["topic", "create", topic, "-p", "6"]);
  stockpipe(["produce", "--source", "synthetic", "--symbols", "500", "--seed", "7", "--limit", String(count), "--topic", topic]);
  const results = [];
  for (let i = 0; i < runs; i++) {
    const keyspace = `bench_${Date.now().toString(36)}_${i}`;
    keyspaces.push(keyspace);
    const env = { STOCKPIPE_CASSANDRA_KEYSPACE: keyspace, STOCKPIPE_KAFKA_TOPIC: topic };
    stockpipe(["schema", "cassandra"], env);
    const s = JSON.parse(stockpipe(["consume", "--sink", "cassandra", "-g", `bench-${keyspace}`, "--exit-at-end", "-f", "json"], env));
    if (s.written !== count) throw new Error(`run ${i + 1} wrote ${s.written} of ${count} rows`);
    const drain = Math.round(s.written / s.drainSeconds);
    results.push({ run: i + 1, rows: s.written, drainSeconds: s.drainSeconds, rowsPerSecond: drain, totalSeconds: s.seconds, rowsPerSecondWithStartup: s.rowsPerSecond });
    process.stderr.write(`run ${i + 1}: ${drain} rows/s (${s.rowsPerSecond} with start-up)\n`);
    stockpipe(["query", `DROP KEYSPACE ${keyspace}`], env);
  }
  const report = {
    benchmark: "Kafka → Cassandra: consume --sink cassandra --exit-at-end (500 symbols, 6 partitions, default consumer settings, ticks + latest_ticks)",
    machine: machine(),
    count,
    runs: results,
    medianRowsPerSecond: median(results.map((r) => r.rowsPerSecond)),
    medianRowsPerSecondWithStartup: median(results.map((r) => r.rowsPerSecondWithStartup)),
    bar: 40_000,
  };
  report.meetsBar = report.medianRowsPerSecond >= report.bar;
  console.log(JSON.stringify(report, null, 2));
  mkdirSync(join(ROOT, "bench", "results"), { recursive: true });
  writeFileSync(join(ROOT, "bench", "results", "cassandra.json"), JSON.stringify(report, null, 2) + "\n");
} finally {
  try {
    stockpipe(["topic", "delete", topic, "--yes"]);
  } catch {}
  stop();
}
