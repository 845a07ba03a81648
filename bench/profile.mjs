// npm run bench:profile — where each hot path's CPU goes: `produce`, `consume --sink cassandra` and
// `consume --sink s3` run once each under V8's sampling profiler (node --cpu-prof, every thread: the producer's
// workers too), on the same data as the throughput benchmarks. Each thread's busy time (samples not idle) is
// split by who caused it — the nearest of kafkajs, cassandra-driver, DuckDB, stockpipe's own code on the
// sampled stack, else Node itself; the garbage collector and start-up's code loading apart — in µs per record. The profiler itself
// slows the process down (~10–30 %): the shares matter, the absolute figures are upper bounds.
// Usage: node bench/profile.mjs [count]
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BIN, deleteTopics, isMain, stockpipe, writeResult } from "./lib.mjs";

/** The package a frame's code belongs to, if it is one of the ones the report names. */
function packageOf(url) {
  if (url.includes("/node_modules/kafkajs/")) return "kafkajs";
  if (url.includes("/node_modules/cassandra-driver/")) return "cassandra-driver";
  if (url.includes("/node_modules/@duckdb/")) return "DuckDB";
  if (url.includes("/node_modules/")) return "other libraries";
  if (url.includes("/dist/")) return "stockpipe";
  if (url.startsWith("node:internal/modules")) return "loading code (start-up)";
  return undefined;
}

/**
 * One profile (one thread): busy µs by who caused them — each sample goes to the nearest package on its stack,
 * so JSON.parse called by stockpipe counts as stockpipe's and a buffer copy made by kafkajs as kafkajs'. What no
 * package called (timers, sockets, the event loop) is Node's; the garbage collector is its own line.
 */
function summarise(path) {
  const p = JSON.parse(readFileSync(path, "utf8"));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const categoryCache = new Map();
  const categoryOf = (id) => {
    let category = categoryCache.get(id);
    if (category) return category;
    const name = byId.get(id).callFrame.functionName;
    if (name === "(garbage collector)") category = "garbage collector";
    else if (name === "(idle)") category = "idle";
    else for (let x = id; x !== undefined && !category; x = parent.get(x)) category = packageOf(byId.get(x).callFrame.url ?? "");
    category ??= "Node (event loop, sockets, timers)";
    categoryCache.set(id, category);
    return category;
  };
  const byCategory = {};
  const ownFunctions = {};
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i];
    const micros = p.timeDeltas[i] ?? 0;
    const category = categoryOf(id);
    byCategory[category] = (byCategory[category] ?? 0) + micros;
    if (category === "stockpipe") {
      // Self time of stockpipe's own function, or of the nearest one above a built-in it called.
      let x = id;
      while (x !== undefined && !(byId.get(x).callFrame.url ?? "").includes("/dist/")) x = parent.get(x);
      const name = byId.get(x).callFrame.functionName || "(anonymous)";
      ownFunctions[name] = (ownFunctions[name] ?? 0) + micros;
    }
  }
  return { byCategory, ownFunctions };
}

/** Runs the CLI under the profiler; returns its JSON summary and the merged profile of all its threads. */
function profiled(args, env, records) {
  const dir = mkdtempSync(join(tmpdir(), "stockpipe-prof-"));
  try {
    const r = spawnSync(process.execPath, ["--cpu-prof", "--cpu-prof-dir", dir, BIN, ...args], {
      encoding: "utf8",
      env: { ...process.env, ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    if (r.status !== 0) throw new Error(`stockpipe ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
    const files = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"));
    const total = {};
    const own = {};
    for (const f of files) {
      const s = summarise(join(dir, f));
      for (const [k, v] of Object.entries(s.byCategory)) total[k] = (total[k] ?? 0) + v;
      for (const [k, v] of Object.entries(s.ownFunctions)) own[k] = (own[k] ?? 0) + v;
    }
    const busy = Object.entries(total)
      .filter(([k]) => k !== "idle")
      .reduce((sum, [, v]) => sum + v, 0);
    const perRecord = (v) => Math.round((v / records) * 100) / 100;
    return {
      summary: JSON.parse(r.stdout),
      threads: files.length,
      busyMicrosPerRecord: perRecord(busy),
      categories: Object.entries(total)
        .filter(([k]) => k !== "idle")
        .sort((a, b) => b[1] - a[1])
        .map(([category, v]) => ({ category, share: Math.round((v / busy) * 1000) / 10, microsPerRecord: perRecord(v) })),
      topOwnFunctions: Object.entries(own)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 6)
        .map(([name, v]) => ({ name, microsPerRecord: perRecord(v) })),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function benchProfile({ count = 500_000 } = {}) {
  const topic = `bench-profile-${Date.now()}`;
  const keyspace = `bench_profile_${Date.now().toString(36)}`;
  const env = { STOCKPIPE_KAFKA_TOPIC: topic, STOCKPIPE_CASSANDRA_KEYSPACE: keyspace, STOCKPIPE_S3_PREFIX: `bench/${topic}` };
  stockpipe(["topic", "create", topic, "-p", "6"]);
  stockpipe(["schema", "cassandra"], env);
  try {
    const paths = [];
    const produce = profiled(
      ["produce", "--source", "synthetic", "--symbols", "500", "--seed", "7", "--limit", String(count), "-f", "json"],
      env,
      count,
    );
    paths.push({ path: "produce (synthetic → Kafka)", ...produce });
    for (const sink of ["cassandra", "s3"]) {
      const r = profiled(["consume", "--sink", sink, "-g", `${topic}-${sink}`, "--exit-at-end", "-f", "json"], env, count);
      if (r.summary.written !== count) throw new Error(`profile: consume --sink ${sink} wrote ${r.summary.written} of ${count}`);
      paths.push({ path: `consume → ${sink === "s3" ? "S3 lake" : "Cassandra"}`, ...r });
    }
    for (const p of paths) delete p.summary;
    return {
      benchmark: `node --cpu-prof on every thread; ${count.toLocaleString("en-US")} ticks of 500 symbols, 6 partitions, default settings; one run each`,
      count,
      paths,
    };
  } finally {
    stockpipe(["query", `DROP KEYSPACE IF EXISTS ${keyspace}`], env);
    deleteTopics(topic);
  }
}

if (isMain(import.meta.url)) writeResult("profile", () => benchProfile({ count: Number(process.argv[2] ?? 500_000) }));
