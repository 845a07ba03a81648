/**
 * `stockpipe demo`: the whole pipeline on the local stack in one command. Brings up the stack if needed, makes a
 * clean demo topic, keyspace and lake prefix, streams the bundled HSI file and simulated ticks through Kafka into
 * Cassandra and the lake at the same time (two consumer groups), queries both, and prints a summary.
 * Safe to run twice: every run starts from a clean slate of its own names.
 */
import { join } from "node:path";
import { DeleteObjectsCommand } from "@aws-sdk/client-s3";
import type { CommandContext } from "../commands/context";
import type { ResolvedConfig } from "../config/schema";
import { InterruptedError, RuntimeError, UsageError } from "../errors";
import { createKafka } from "../kafka/client";
import { consume } from "../kafka/consumer";
import { connectTickProducer } from "../kafka/tickProducer";
import { status, up } from "../local/stack";
import { packageRoot } from "../local/paths";
import { parseDuration } from "../model/time";
import { runCql } from "../query/cql";
import { Pacer } from "../sources/pacer";
import { createSource } from "../sources/registry";
import { createCassandraClient } from "../sinks/cassandra/client";
import { applySchema } from "../sinks/cassandra/setup";
import { createS3Client, objectPages } from "../sinks/s3/client";
import { createSink } from "../sinks/registry";
import { chalk, log } from "../ui/log";
import { printRows } from "../ui/output";
import { onInterrupt } from "../ui/signals";
import { spinner, withSpinner } from "../ui/spinner";

export interface DemoOptions {
  duration: string;
  symbols: string;
  keepRunning: boolean;
}

const DEMO = { topic: "stockpipe-demo", keyspace: "stockpipe_demo", prefix: "demo" };

function demoConfig(base: ResolvedConfig): ResolvedConfig {
  return {
    ...base,
    kafka: { ...base.kafka, topic: DEMO.topic },
    cassandra: { ...base.cassandra, keyspace: DEMO.keyspace },
    s3: { ...base.s3, prefix: DEMO.prefix },
    // Small files and quick idle flushes: a demo should show data in the lake within seconds.
    consumer: { ...base.consumer, flushIdleMs: 2000 },
  };
}

async function cleanSlate(config: ResolvedConfig): Promise<void> {
  const admin = createKafka(config, { retries: 2 }).admin();
  await admin.connect();
  const existing = await admin.listTopics();
  const stale = [DEMO.topic, `${DEMO.topic}.dlq`].filter((t) => existing.includes(t));
  if (stale.length) await admin.deleteTopics({ topics: stale, timeout: 20_000 });
  await admin.deleteGroups(["stockpipe-demo-cassandra", "stockpipe-demo-s3"]).catch(() => {});
  for (let i = 0; i < 50 && (await admin.listTopics()).some((t) => stale.includes(t)); i++) await new Promise((r) => setTimeout(r, 200));
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic: DEMO.topic, numPartitions: 6, replicationFactor: 1 }] });
  await admin.disconnect();

  const cql = createCassandraClient(config);
  try {
    await cql.execute(`DROP KEYSPACE IF EXISTS ${DEMO.keyspace}`);
    await applySchema(cql, config);
  } finally {
    await cql.shutdown();
  }

  const s3 = createS3Client(config);
  try {
    for await (const page of objectPages(s3, config.s3.bucket, `${DEMO.prefix}/`)) {
      const keys = page.map((o) => ({ Key: o.Key! }));
      if (keys.length) await s3.send(new DeleteObjectsCommand({ Bucket: config.s3.bucket, Delete: { Objects: keys } }));
    }
  } finally {
    s3.destroy();
  }
}

export async function demoCommand(ctx: CommandContext, o: DemoOptions): Promise<void> {
  const durationMs = parseDuration(o.duration);
  if (!durationMs) throw new UsageError(`--duration ${o.duration} must be a duration such as 10s or 1m`);
  const started = performance.now();
  const config = demoConfig(ctx.config);

  const running = await status(config);
  const missing = running.filter((s) => s.state !== "running").map((s) => s.service);
  if (missing.length) {
    const sp = spinner(`starting the local stack (${missing.join(", ")}); the first run downloads it with Maven`);
    await up(config, { progress: (s, m) => sp.text(`local stack: ${s} ${m}`) }, missing).catch((err) => {
      sp.fail();
      throw err;
    });
    sp.succeed("local stack running");
  }
  await withSpinner(`preparing topic ${DEMO.topic}, keyspace ${DEMO.keyspace} and s3://${config.s3.bucket}/${DEMO.prefix}/`, () => cleanSlate(config), () => "clean demo topic, keyspace and lake prefix");

  const interrupt = onInterrupt(() => log.error("interrupted twice: exiting now"));
  const stopConsumers = new AbortController();
  const kafka = createKafka(config, { retries: 5 });
  const progress = { cassandra: 0, s3: 0 };
  const consumers = (["cassandra", "s3"] as const).map(async (sink) =>
    consume({
      kafka,
      topic: DEMO.topic,
      group: `stockpipe-demo-${sink}`,
      from: "earliest",
      reset: true,
      exitAtEnd: false,
      sink: await createSink(sink, config),
      batchSize: config.consumer.batchSize,
      partitionsConcurrently: config.consumer.partitionsConcurrently,
      maxMessageBytes: config.consumer.maxMessageBytes,
      signal: stopConsumers.signal,
      onProgress: (p) => (progress[sink] = p.written),
      onRetry: (err) => log.warn(`${sink}: ${err.message}; retrying`),
    }),
  );

  let produced = 0;
  let rejected = 0;
  const producer = await connectTickProducer({ ...ctx, config }, { topic: DEMO.topic, createTopic: false, onDelivered: (n) => (produced += n) });
  const sp = spinner("streaming");
  const tick = setInterval(() => sp.text(`streaming: produced ${produced.toLocaleString("en-US")} · Cassandra ${progress.cassandra.toLocaleString("en-US")} · lake ${progress.s3.toLocaleString("en-US")}`), 250);
  try {
    const hsi = await createSource("csv", { file: join(packageRoot(), "data", "indexProcessed-HSI.csv") }, config);
    await hsi.open();
    for await (const item of hsi.items(interrupt.signal)) {
      if (item.kind === "rejected") rejected++;
      else await producer.batching.send(producer.message(item.tick));
    }
    const synthetic = await createSource("synthetic", { symbols: o.symbols, seed: "42", rate: "500", start: new Date(Math.floor(Date.now() / 1000) * 1000).toISOString() }, config);
    const deadline = o.keepRunning ? Infinity : performance.now() + durationMs;
    // 500 ticks a second: a live-looking stream.
    const pacer = new Pacer(undefined, 500);
    for await (const item of synthetic.items(interrupt.signal)) {
      if (item.kind !== "tick" || performance.now() >= deadline) break;
      await pacer.wait(item.eventMs, interrupt.signal);
      await producer.batching.send(producer.message(item.tick));
    }
    await producer.batching.flush();
    // Wait until both sinks hold everything (or Ctrl-C).
    while (!interrupt.signal.aborted && (progress.cassandra < produced || progress.s3 < produced)) await new Promise((r) => setTimeout(r, 200));
  } finally {
    clearInterval(tick);
    await producer.disconnect();
    stopConsumers.abort();
    await Promise.all(consumers);
    interrupt.dispose();
  }
  sp.succeed(`streamed ${produced.toLocaleString("en-US")} ticks into Cassandra and the lake`);
  if (interrupt.received && !o.keepRunning) throw new InterruptedError("interrupted");

  process.stderr.write(`\n${chalk.bold("Latest price per symbol (Cassandra, latest_ticks):")}\n`);
  const latest = await runCql(config, "SELECT symbol, ts, price, volume FROM latest_ticks");
  printRows(latest.rows, latest.columns.map((key) => ({ key })), "table");
  const inCassandra = Number((await runCql(config, "SELECT count(*) AS n FROM ticks")).rows[0]?.n ?? 0);

  const { syncLake } = await import("../query/lakeCache");
  const { runLocal } = await import("../query/local");
  const dir = (await syncLake(config)).dir;
  process.stderr.write(`\n${chalk.bold("Daily OHLC from the lake (query --engine local):")}\n`);
  const ohlc = await runLocal(
    `SELECT symbol, dt, arg_min(price, ts) AS open, max(price) AS high, min(price) AS low, arg_max(price, ts) AS close, count(*) AS ticks
     FROM ticks WHERE symbol <> 'HSI' OR dt >= DATE '2010-01-04' GROUP BY symbol, dt ORDER BY symbol, dt`,
    dir,
  );
  printRows(ohlc.rows, ohlc.columns.map((key) => ({ key })), "table");
  const inLake = Number((await runLocal("SELECT count(*) AS n FROM ticks", dir)).rows[0]?.n ?? 0);

  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const ok = inCassandra === produced && inLake === produced;
  const summary = [
    "",
    chalk.bold("Summary"),
    `  produced   ${produced.toLocaleString("en-US")} ticks (${rejected} rejected row${rejected === 1 ? "" : "s"}: the HSI file's cut-off last line)`,
    `  Cassandra  ${inCassandra.toLocaleString("en-US")} rows in ${DEMO.keyspace}.ticks`,
    `  lake       ${inLake.toLocaleString("en-US")} rows in s3://${config.s3.bucket}/${DEMO.prefix}/ticks/`,
    `  time       ${seconds}s`,
    `  ${ok ? chalk.green("✔ both sinks hold every produced tick exactly once") : chalk.red("✖ counts differ")}`,
    "",
    "Try next:",
    `  stockpipe query "SELECT * FROM ${DEMO.keyspace}.latest_ticks"`,
    `  STOCKPIPE_S3_PREFIX=${DEMO.prefix} stockpipe query --engine local "SELECT symbol, count(*) FROM ticks GROUP BY symbol"`,
    `  STOCKPIPE_KAFKA_TOPIC=${DEMO.topic} STOCKPIPE_CASSANDRA_KEYSPACE=${DEMO.keyspace} STOCKPIPE_S3_PREFIX=${DEMO.prefix} stockpipe verify`,
    `  stockpipe topic describe ${DEMO.topic}`,
    "",
  ];
  process.stderr.write(summary.join("\n"));
  if (!ok) throw new RuntimeError(`the sinks do not match what was produced (produced ${produced}, Cassandra ${inCassandra}, lake ${inLake})`, { hint: "run the verify command above for details" });
}
