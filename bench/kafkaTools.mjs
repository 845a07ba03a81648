// Kafka's own performance tools on the same broker, so stockpipe's figures can be given as ratios to them:
// ProducerPerformance (acks=all, 189-byte records, as large as a tick) and ConsumerPerformance, from
// org.apache.kafka:kafka-tools at the broker's version (stack/kafka-tools/pom.xml), resolved by Maven like the
// local stack. Usage: node bench/kafkaTools.mjs [count] [runs]
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  cpuNow,
  cpuPerRecord,
  deleteTopics,
  isMain,
  mavenClasspath,
  median,
  medianOfEach,
  ROOT,
  servicePids,
  stockpipe,
  writeResult,
} from "./lib.mjs";

const POM = join(ROOT, "stack", "kafka-tools", "pom.xml");

/** The tools' classpath: resolved once with mvn, reused while the pom is unchanged and the jars are there. */
export function kafkaToolsClasspath() {
  return mavenClasspath(POM, "kafka-tools");
}

function java(classpath, main, args) {
  const r = spawnSync("java", ["-Xmx512m", "-cp", classpath, main, ...args], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${main} failed (${r.status}): ${r.stderr.slice(-500)}`);
  return r.stdout;
}

/** `N records sent, R records/sec (M MB/sec), …` — the last summary line. */
function producerRate(out) {
  const m = /(\d+) records sent, ([\d.]+) records\/sec/.exec(out.trim().split("\n").at(-1));
  if (!m) throw new Error(`unexpected ProducerPerformance output: ${out.slice(-300)}`);
  return Number(m[2]);
}

/** The CSV line under `start.time, end.time, …, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec`. */
function consumerRates(out) {
  const lines = out.trim().split("\n");
  const head = lines.findIndex((l) => l.startsWith("start.time"));
  const names = lines[head].split(",").map((s) => s.trim());
  const values = lines[head + 1].split(",").map((s) => s.trim());
  const get = (n) => Number(values[names.indexOf(n)]);
  return { recordsPerSecond: get("nMsg.sec"), fetchRecordsPerSecond: get("fetch.nMsg.sec") };
}

export function benchKafkaTools({ count = 500_000, runs = 3, brokers = "127.0.0.1:9092" } = {}) {
  const classpath = kafkaToolsClasspath();
  const pids = servicePids();
  const results = [];
  for (let run = 1; run <= runs; run++) {
    const topic = `bench-kafka-tools-${Date.now()}`;
    stockpipe(["topic", "create", topic, "-p", "6"]);
    try {
      let from = cpuNow(pids);
      const produced = producerRate(
        java(classpath, "org.apache.kafka.tools.ProducerPerformance", [
          "--topic",
          topic,
          "--num-records",
          String(count),
          "--record-size",
          "189",
          "--throughput",
          "-1",
          "--producer-props",
          `bootstrap.servers=${brokers}`,
          "acks=all",
        ]),
      );
      const producerCpu = cpuPerRecord(from, cpuNow(pids), count);
      from = cpuNow(pids);
      const consumed = consumerRates(
        java(classpath, "org.apache.kafka.tools.ConsumerPerformance", [
          "--bootstrap-server",
          brokers,
          "--topic",
          topic,
          "--messages",
          String(count),
        ]),
      );
      const consumerCpu = cpuPerRecord(from, cpuNow(pids), count);
      process.stderr.write(
        `kafka tools run ${run}: ProducerPerformance ${Math.round(produced)} records/s, ConsumerPerformance ${Math.round(consumed.recordsPerSecond)} records/s\n`,
      );
      // The child-process CPU ("stockpipe" in cpuNow) is the tool's JVM here.
      results.push({
        run,
        producerRecordsPerSecond: Math.round(produced),
        consumerRecordsPerSecond: Math.round(consumed.recordsPerSecond),
        consumerFetchRecordsPerSecond: Math.round(consumed.fetchRecordsPerSecond),
        producerCpu,
        consumerCpu,
      });
    } finally {
      deleteTopics(topic);
    }
  }
  const rename = (cpu) => cpu && Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k === "stockpipe" ? "tool" : k, v]));
  return {
    benchmark: `Kafka's own tools (kafka-tools ${readFileSync(POM, "utf8").match(/org.apache.kafka<\/groupId>\s*<artifactId>kafka-tools<\/artifactId>\s*<version>([^<]+)<\/version>/)?.[1]}): ProducerPerformance --record-size 189 acks=all, then ConsumerPerformance over the same ${count.toLocaleString("en-US")} records, 6 partitions`,
    count,
    runs: results.map((r) => ({ ...r, producerCpu: rename(r.producerCpu), consumerCpu: rename(r.consumerCpu) })),
    medianProducerRecordsPerSecond: median(results.map((r) => r.producerRecordsPerSecond)),
    medianConsumerRecordsPerSecond: median(results.map((r) => r.consumerRecordsPerSecond)),
    medianProducerCpuMicrosPerRecord: rename(medianOfEach(results.map((r) => r.producerCpu))),
    medianConsumerCpuMicrosPerRecord: rename(medianOfEach(results.map((r) => r.consumerCpu))),
  };
}

if (isMain(import.meta.url))
  writeResult("kafka-tools", () => benchKafkaTools({ count: Number(process.argv[2] ?? 500_000), runs: Number(process.argv[3] ?? 3) }));
