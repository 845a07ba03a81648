// npm run bench:scaleout — several `consume --sink cassandra` processes in one consumer group.
// 1. Drain rate with 1, 2 and 3 processes: a pre-filled 6-partition topic drained by k processes started together
//    with --exit-at-end (a fresh group and keyspace each), k = 1, 2, 3 interleaved run by run; rows/s from the
//    first start to the last exit (start-up and group join included, as a deployment sees them).
// 2. The pause a rebalance causes: three processes follow a stream (ticks produced at a steady rate); one leaves
//    (SIGTERM: it commits and leaves the group) or dies (SIGKILL: its session has to time out); the pause is the
//    time from then until every partition it held has its committed offset move again.
// Usage: node bench/scaleout.mjs [count] [runs]
import kafkajs from "kafkajs";
import { cpuNow, cpuPerRecord, deleteTopics, isMain, median, medianOfEach, servicePids, start, stockpipe, writeResult } from "./lib.mjs";

const { Kafka, logLevel } = kafkajs;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function drainWith(topic, k, run, pids, count) {
  const keyspace = `bench_${Date.now().toString(36)}_${k}_${run}`;
  const env = { STOCKPIPE_CASSANDRA_KEYSPACE: keyspace, STOCKPIPE_KAFKA_TOPIC: topic };
  stockpipe(["schema", "cassandra"], env);
  try {
    const group = `bench-scale-${keyspace}`;
    const started = performance.now();
    const cpuFrom = cpuNow(pids);
    const procs = Array.from({ length: k }, () =>
      start(["consume", "--sink", "cassandra", "-g", group, "--exit-at-end", "-f", "json"], env),
    );
    const results = await Promise.all(procs.map((p) => p.done));
    const seconds = (performance.now() - started) / 1000;
    const cpuMicrosPerRow = cpuPerRecord(cpuFrom, cpuNow(pids), count);
    for (const r of results) if (r.code !== 0) throw new Error(`consume failed (${r.code}): ${r.stderr}`);
    const summaries = results.map((r) => JSON.parse(r.stdout));
    return {
      processes: k,
      run,
      seconds: Math.round(seconds * 100) / 100,
      written: summaries.reduce((n, s) => n + s.written, 0),
      rebalances: summaries.reduce((n, s) => n + (s.rebalances ?? 0), 0),
      peakRssMb: Math.max(...summaries.map((s) => s.peakRssMb ?? 0)),
      cpuMicrosPerRow,
    };
  } finally {
    stockpipe(["query", `DROP KEYSPACE IF EXISTS ${keyspace}`], env);
  }
}

/** Committed offset per partition of `group` on `topic`. */
async function committed(admin, topic, group) {
  const [t] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  return new Map(t.partitions.map((p) => [p.partition, Number(p.offset)]));
}

async function assignment(admin, topic, group) {
  const { groups } = await admin.describeGroups([group]);
  const out = new Map();
  for (const m of groups[0]?.members ?? []) {
    const a = kafkajs.AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
    for (const p of a?.assignment[topic] ?? []) out.set(p, m.memberId);
  }
  return out;
}

async function rebalancePause(signal, rate) {
  const topic = `bench-scale-pause-${Date.now()}`;
  const keyspace = `bench_${Date.now().toString(36)}_pause`;
  const env = { STOCKPIPE_CASSANDRA_KEYSPACE: keyspace, STOCKPIPE_KAFKA_TOPIC: topic };
  const admin = new Kafka({ brokers: ["127.0.0.1:9092"], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  stockpipe(["topic", "create", topic, "-p", "6"]);
  stockpipe(["schema", "cassandra"], env);
  const group = `bench-pause-${keyspace}`;
  const producer = start(["produce", "--source", "synthetic", "--symbols", "500", "--rate", String(rate), "--duration", "90s"], env);
  const procs = Array.from({ length: 3 }, () => start(["consume", "--sink", "cassandra", "-g", group, "-f", "json"], env));
  try {
    // Three members, and the stream followed for a while.
    for (let i = 0; ; i++) {
      const a = await assignment(admin, topic, group);
      if (a.size === 6 && new Set(a.values()).size === 3) break;
      if (i > 240) throw new Error("three members never shared the partitions");
      await sleep(250);
    }
    await sleep(10_000);
    const a = await assignment(admin, topic, group);
    // Which process is which member: each prints "member <id> of group …".
    const memberOf = (p) => [...p.stderrNow().matchAll(/member (\S+) of group/g)].at(-1)?.[1];
    const victim = procs.find((p) => memberOf(p)) ?? procs[0];
    const held = [...a].filter(([, m]) => m === memberOf(victim)).map(([p]) => p);
    const before = await committed(admin, topic, group);
    const t0 = performance.now();
    victim.child.kill(signal);
    const moved = new Map();
    while (moved.size < held.length && performance.now() - t0 < 120_000) {
      const now = await committed(admin, topic, group);
      for (const p of held) if (!moved.has(p) && now.get(p) > before.get(p) + 0) moved.set(p, performance.now() - t0);
      await sleep(100);
    }
    if (moved.size < held.length) throw new Error(`partitions ${held} did not move within 120 s after ${signal}`);
    // The victim's own last commit (SIGTERM commits the batch in hand) is not the new owner's: take the latest.
    return { signal, partitions: held, pauseSeconds: Math.round(Math.max(...moved.values()) / 100) / 10 };
  } finally {
    producer.child.kill("SIGINT");
    for (const p of procs) p.child.kill("SIGINT");
    await Promise.all([producer.done, ...procs.map((p) => p.done)]);
    stockpipe(["query", `DROP KEYSPACE IF EXISTS ${keyspace}`], env);
    await admin.disconnect();
    deleteTopics(topic);
  }
}

export async function benchScaleout({ count = 300_000, runs = 3, rate = 10_000 } = {}) {
  const topic = `bench-scale-${Date.now()}`;
  stockpipe(["topic", "create", topic, "-p", "6"]);
  const results = [];
  const pids = servicePids();
  try {
    stockpipe(["produce", "--source", "synthetic", "--symbols", "500", "--seed", "7", "--limit", String(count), "--topic", topic]);
    for (let run = 1; run <= runs; run++) {
      for (const k of [1, 2, 3]) {
        const r = await drainWith(topic, k, run, pids, count);
        r.rowsPerSecond = Math.round(count / r.seconds);
        process.stderr.write(`scale-out run ${run}, ${k} process(es): ${r.rowsPerSecond} rows/s in ${r.seconds}s\n`);
        results.push(r);
      }
    }
  } finally {
    deleteTopics(topic);
  }
  const byK = Object.fromEntries([1, 2, 3].map((k) => [k, median(results.filter((r) => r.processes === k).map((r) => r.rowsPerSecond))]));
  const pauses = [];
  for (const signal of ["SIGTERM", "SIGKILL"]) {
    const p = await rebalancePause(signal, rate);
    process.stderr.write(`rebalance after ${signal}: its partitions moved again after ${p.pauseSeconds}s\n`);
    pauses.push(p);
  }
  return {
    benchmark: `Kafka → Cassandra with 1, 2 and 3 consume processes in one group (${count.toLocaleString("en-US")} ticks, 500 symbols, 6 partitions); the pause of a rebalance at ${rate.toLocaleString("en-US")} ticks/s`,
    count,
    runs: results,
    medianRowsPerSecond: byK,
    medianCpuMicrosPerRow: Object.fromEntries(
      [1, 2, 3].map((k) => [k, medianOfEach(results.filter((r) => r.processes === k).map((r) => r.cpuMicrosPerRow))]),
    ),
    ratioToOne: { 2: Math.round((byK[2] / byK[1]) * 100) / 100, 3: Math.round((byK[3] / byK[1]) * 100) / 100 },
    pauses,
  };
}

if (isMain(import.meta.url))
  writeResult("scaleout", () => benchScaleout({ count: Number(process.argv[2] ?? 300_000), runs: Number(process.argv[3] ?? 3) }));
