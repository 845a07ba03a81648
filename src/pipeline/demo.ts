/**
 * The demo's pipeline: a clean demo topic, keyspace and lake prefix; the bundled HSI file and simulated ticks
 * produced into Kafka while two drains (Cassandra and the lake) consume them at once. The same produce loop and
 * drain as `produce` and `consume`, composed; the command renders.
 */
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { DeleteObjectsCommand } from "@aws-sdk/client-s3";
import type { LoadedConfig } from "../config/loader";
import { createKafka } from "../kafka/client";
import { connectTickProducer } from "../kafka/tickProducer";
import { ensureTopic } from "../kafka/topics";
import { packageRoot } from "../local/paths";
import { createCassandraClient } from "../sinks/cassandra/client";
import { applySchema } from "../sinks/cassandra/setup";
import { createSink } from "../sinks/registry";
import { createS3Client, objectPages } from "../sinks/s3/client";
import { Pacer } from "../sources/pacer";
import { createSource } from "../sources/registry";
import { drain, drainSettings } from "./drain/drain";
import { produceFrom } from "./produce";

export const DEMO = { topic: "stockpipe-demo", keyspace: "stockpipe_demo", prefix: "demo", sinks: ["cassandra", "s3"] as const };
const group = (sink: string) => `stockpipe-demo-${sink}`;

/** The user's config with the demo's own topic, keyspace and lake prefix. */
export function demoConfig(base: LoadedConfig): LoadedConfig {
  const c = base.config;
  const config = {
    ...c,
    kafka: { ...c.kafka, topic: DEMO.topic },
    cassandra: { ...c.cassandra, keyspace: DEMO.keyspace },
    // Yearly partitions: 35 years of daily HSI bars are 35 files, not 9,000 one-day files.
    s3: { ...c.s3, prefix: DEMO.prefix, partitionBy: "year" as const },
    // Quick idle flushes: a demo should show data in the lake within seconds.
    consumer: { ...c.consumer, flushIdleMs: 2000 },
  };
  const origins = new Map(base.origins);
  for (const path of ["kafka.topic", "cassandra.keyspace", "s3.prefix", "s3.partitionBy", "consumer.flushIdleMs"])
    origins.set(path, "demo");
  return { ...base, config, origins };
}

/** Every run starts from a clean slate of its own names: topic, consumer groups, keyspace, lake prefix. */
export async function cleanSlate(loaded: LoadedConfig): Promise<void> {
  const config = loaded.config;
  const admin = createKafka(config, { retries: 2 }).admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    const toDelete = [DEMO.topic, `${DEMO.topic}.dlq`].filter((t) => existing.includes(t));
    if (toDelete.length) await admin.deleteTopics({ topics: toDelete, timeout: 20_000 });
    await admin.deleteGroups(DEMO.sinks.map(group)).catch(() => {});
    for (let i = 0; i < 50 && (await admin.listTopics()).some((t) => toDelete.includes(t)); i++) await sleep(200);
    await ensureTopic(admin, { name: DEMO.topic, partitions: 6, replicationFactor: 1 });
  } finally {
    await admin.disconnect();
  }
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

export interface DemoStreamOptions {
  symbols: string;
  /** How long to stream simulated ticks; undefined: until the signal aborts. */
  durationMs?: number;
  signal: AbortSignal;
}

export interface DemoProgress {
  produced: number;
  cassandra: number;
  s3: number;
}

export interface DemoEvents {
  onProgress?(p: DemoProgress): void;
  onRetry?(sink: string, error: Error): void;
}

/**
 * Streams the HSI file, then simulated ticks at 500/s, through Kafka into both sinks, and returns once both
 * hold everything produced (or the signal aborts).
 */
export async function streamDemo(
  loaded: LoadedConfig,
  o: DemoStreamOptions,
  events: DemoEvents = {},
): Promise<{ produced: number; rejected: number }> {
  const config = loaded.config;
  const progress: DemoProgress = { produced: 0, cassandra: 0, s3: 0 };
  const report = () => events.onProgress?.(progress);
  const stopDrains = new AbortController();
  let failure: unknown;
  const drains = DEMO.sinks.map(async (name) => {
    const sink = await createSink(name, loaded, { onRetry: (err) => events.onRetry?.(name, err) });
    const options = {
      ...drainSettings(config),
      topic: DEMO.topic,
      group: group(name),
      from: "earliest",
      reset: true,
      exitAtEnd: false,
      sink,
      signal: stopDrains.signal,
    };
    await drain(loaded, options, {
      onProgress: (p) => {
        progress[name] = p.written;
        report();
      },
      onRetry: (err) => events.onRetry?.(name, err),
    });
  });
  for (const d of drains) d.catch((err) => (failure ??= err));
  const producer = await connectTickProducer(loaded, {
    topic: DEMO.topic,
    createTopic: false,
    onDelivered: (n) => {
      progress.produced += n;
      report();
    },
  });
  let rejected = 0;
  try {
    const hsi = await createSource("csv", { file: join(packageRoot(), "data", "indexProcessed-HSI.csv") }, config);
    await hsi.open();
    rejected += (await produceFrom({ source: hsi, send: producer.send, signal: o.signal })).rejected;
    const start = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
    const synthetic = await createSource("synthetic", { symbols: o.symbols, seed: "42", rate: "500", start }, config);
    // 500 ticks a second: a live-looking stream.
    const deadline = o.durationMs === undefined ? undefined : performance.now() + o.durationMs;
    rejected += (
      await produceFrom({ source: synthetic, send: producer.send, pacer: new Pacer(undefined, 500), deadline, signal: o.signal })
    ).rejected;
    await producer.batching.flush();
    // Until both sinks hold everything (or Ctrl-C, or a drain failed).
    while (!o.signal.aborted && !failure && (progress.cassandra < progress.produced || progress.s3 < progress.produced)) await sleep(200);
  } finally {
    await producer.disconnect();
    stopDrains.abort();
    await Promise.allSettled(drains);
  }
  if (failure) throw failure;
  return { produced: progress.produced, rejected };
}
