// npm run bench:latency — end-to-end latency into Cassandra at fixed open-loop input rates.
//
// Per run: a fresh topic (6 partitions) and keyspace; `stockpipe consume --sink cassandra --latency` joins its
// group; then `stockpipe produce --source synthetic --symbols 100 --rate R --duration D` sends on a fixed
// schedule (open loop: a tick late because the machine is busy is measured late, not skipped). Each tick's event
// time is its scheduled send time; the consumer records, per row, the time from it to Cassandra acknowledging
// the write (the row is then readable at the same consistency level). The first `warmup` seconds are left out.
// Once the consumer has caught up it is stopped with Ctrl-C and prints the HDR percentiles as JSON.
// CPU use of each process over the steady part comes from /proc (Linux).
// Usage: node bench/latency.mjs [rate,rate…] [runs] [seconds]
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import kafkajs from "kafkajs";
import { deleteTopics, isMain, median, start, stockpipe, writeResult } from "./lib.mjs";

const SYMBOLS = 100;

/** CPU seconds used so far by each pid (utime + stime), or undefined off Linux. */
function cpuSeconds(pids) {
  try {
    return Object.fromEntries(
      Object.entries(pids).map(([name, pid]) => {
        const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
        return [name, (Number(fields[11]) + Number(fields[12])) / 100];
      }),
    );
  } catch {
    return undefined;
  }
}

async function until(what, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

export async function latencyRun({ rate, seconds, warmup, brokers, servicePids, run, writeAheadBytes }) {
  const id = `${Date.now().toString(36)}_${run}`;
  const topic = `bench-latency-${id}`;
  const group = `bench-latency-${id}`;
  const keyspace = `bench_latency_${id}`;
  const env = {
    STOCKPIPE_KAFKA_TOPIC: topic,
    STOCKPIPE_CASSANDRA_KEYSPACE: keyspace,
    ...(writeAheadBytes === undefined ? {} : { STOCKPIPE_CONSUMER_WRITE_AHEAD_BYTES: String(writeAheadBytes) }),
  };
  const kafka = new kafkajs.Kafka({ brokers, logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  stockpipe(["topic", "create", topic, "-p", "6"]);
  stockpipe(["schema", "cassandra"], env);
  try {
    const consumer = start(
      ["consume", "--sink", "cassandra", "-g", group, "--from", "earliest", "--latency", "--latency-warmup", `${warmup}s`, "-f", "json"],
      env,
    );
    await until(
      "the consumer to join its group",
      async () => {
        const g = (await admin.describeGroups([group])).groups[0];
        return g?.state === "Stable" && g.members.length === 1;
      },
      60_000,
    );
    const producer = start(
      ["produce", "--source", "synthetic", "--symbols", String(SYMBOLS), "--rate", String(rate), "--duration", `${seconds}s`, "-f", "json"],
      env,
    );
    const pids = { producer: producer.child.pid, consumer: consumer.child.pid, ...servicePids };
    // CPU over the steady part: from the end of the warm-up to two seconds before the end.
    await sleep(warmup * 1000);
    const cpuFrom = cpuSeconds(pids);
    const steady = Math.max(1, seconds - warmup - 2);
    await sleep(steady * 1000);
    const cpuTo = cpuSeconds(pids);
    const p = await producer.done;
    if (p.code !== 0) throw new Error(`the producer failed (${p.code}): ${p.stderr}`);
    const produced = JSON.parse(p.stdout);
    await until(
      "the consumer to catch up",
      async () => {
        const [end, committed] = await Promise.all([
          admin.fetchTopicOffsets(topic),
          admin.fetchOffsets({ groupId: group, topics: [topic] }),
        ]);
        const done = new Map(committed[0].partitions.map((c) => [c.partition, Number(c.offset)]));
        return end.every((e) => done.get(e.partition) === Number(e.high));
      },
      300_000,
    );
    consumer.child.kill("SIGINT");
    const c = await consumer.done;
    if (c.code !== 130) throw new Error(`the consumer failed (${c.code}): ${c.stderr}`);
    const consumed = JSON.parse(c.stdout);
    if (consumed.written !== produced.sent)
      throw new Error(`run ${run}: produced ${produced.sent}, the consumer wrote ${consumed.written}`);
    const cpuPercent =
      cpuFrom && cpuTo
        ? Object.fromEntries(Object.keys(pids).map((k) => [k, Math.round(((cpuTo[k] - cpuFrom[k]) / steady) * 100)]))
        : undefined;
    const l = consumed.latency;
    process.stderr.write(
      `latency ${rate}/s run ${run}${writeAheadBytes === undefined ? "" : ` (writeAheadBytes ${writeAheadBytes})`}: p50 ${l.p50Ms} ms, p99 ${l.p99Ms} ms, max ${l.maxMs} ms over ${l.rows} rows; CPU % ${JSON.stringify(cpuPercent)}\n`,
    );
    return { run, sent: produced.sent, achievedRate: Math.round(produced.sent / produced.seconds), latency: l, cpuPercent };
  } finally {
    await admin.disconnect().catch(() => {});
    try {
      stockpipe(["query", `DROP KEYSPACE IF EXISTS ${keyspace}`], env);
    } catch {}
    deleteTopics(topic);
  }
}

/**
 * A/B of writing ahead of the fetch: at each rate, runs alternate between consumer.writeAheadBytes 0 (each batch
 * written before the next fetch) and the default, so both see the same machine; medians of each side.
 */
export async function benchWriteAhead({ rates = [5_000, 17_000], runs = 3, seconds = 30, warmup = 5 } = {}) {
  const { brokers, servicePids } = services();
  const out = [];
  for (const rate of rates) {
    const sides = { off: [], on: [] };
    for (let run = 1; run <= runs; run++) {
      sides.off.push(await latencyRun({ rate, seconds, warmup, brokers, servicePids, run, writeAheadBytes: 0 }));
      sides.on.push(await latencyRun({ rate, seconds, warmup, brokers, servicePids, run }));
    }
    const summary = (r) => ({
      p50Ms: median(r.map((x) => x.latency.p50Ms)),
      p99Ms: median(r.map((x) => x.latency.p99Ms)),
      stages: r.map((x) => x.latency.stages),
      consumerCpuPercent: median(r.map((x) => x.cpuPercent?.consumer ?? 0)),
    });
    out.push({ rate, writeAheadOff: summary(sides.off), writeAheadOn: summary(sides.on), runs: sides });
  }
  return { benchmark: "latency into Cassandra, consumer.writeAheadBytes 0 vs default, interleaved runs", seconds, rates: out };
}

export function services() {
  const config = JSON.parse(stockpipe(["config", "show", "-f", "json"]));
  const brokers = config["kafka.brokers"].value;
  const status = JSON.parse(stockpipe(["local", "status", "-f", "json"]));
  const servicePids = Object.fromEntries(status.filter((s) => s.service !== "s3" && s.pid).map((s) => [s.service, s.pid]));
  return { brokers, servicePids };
}

export async function benchLatency({ rates = [5_000, 17_000, 50_000], runs = 3, seconds = 30, warmup = 5 } = {}) {
  const { brokers, servicePids } = services();
  const results = [];
  for (const rate of rates) {
    const r = [];
    for (let run = 1; run <= runs; run++) r.push(await latencyRun({ rate, seconds, warmup, brokers, servicePids, run }));
    // The run with the median p99 stands for the rate; every run is kept.
    const byP99 = [...r].sort((a, b) => a.latency.p99Ms - b.latency.p99Ms);
    results.push({
      rate,
      medianRun: byP99[Math.floor(byP99.length / 2)].run,
      medianP50Ms: median(r.map((x) => x.latency.p50Ms)),
      medianP99Ms: median(r.map((x) => x.latency.p99Ms)),
      runs: r,
    });
  }
  // The bars: medians of the runs at each rate.
  const bars = [
    { rate: 5_000, p50Ms: 8, p99Ms: 25 },
    { rate: 17_000, p99Ms: 60 },
  ].map((bar) => {
    const at = results.find((r) => r.rate === bar.rate);
    return { ...bar, met: at ? (bar.p50Ms === undefined || at.medianP50Ms <= bar.p50Ms) && at.medianP99Ms <= bar.p99Ms : undefined };
  });
  return {
    benchmark: `end-to-end latency into Cassandra: produce --source synthetic --symbols ${SYMBOLS} --rate R (open loop) → Kafka (6 partitions) → consume --sink cassandra --latency; ${seconds} s per run, the first ${warmup} s left out; default settings`,
    seconds,
    warmupSeconds: warmup,
    rates: results,
    bars,
  };
}

if (isMain(import.meta.url)) {
  const rates = (process.argv[2] ?? "5000,17000,50000").split(",").map(Number);
  const options = { rates, runs: Number(process.argv[3] ?? 3), seconds: Number(process.argv[4] ?? 30) };
  if (process.argv[5] === "ab") writeResult("latency-ab", () => benchWriteAhead(options));
  else writeResult("latency", () => benchLatency(options));
}
