import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { LoadedConfig } from "../config/loader";
import { createKafka } from "../kafka/client";
import { connectTickProducer } from "../kafka/tickProducer";
import { ensureTopic } from "../kafka/topics";
import { CalendarBook } from "../model/calendar";
import type { Tick } from "../model/tick";
import { createCassandraClient } from "../sinks/cassandra/client";
import { applySchema } from "../sinks/cassandra/setup";
import { createSink } from "../sinks/registry";
import { createS3Client, deletePrefix } from "../sinks/s3/client";
import { Pacer } from "../sources/pacer";
import { createSource } from "../sources/registry";
import type { Source } from "../sources/types";
import { packageRoot } from "../util/packageRoot";
import { analyze } from "./analyze/analyze";
import { analyticsSettings } from "./analyze/settings";
import { drain, drainSettings } from "./drain/drain";
import { produceFrom } from "./produce/loop";

/** The bundled recording of a live feed: three minutes of Alpaca's stream (data/feeds/README.md). */
export function bundledRecording(): string {
  return join(packageRoot(), "data", "feeds", "alpaca-sample.jsonl");
}

export const DEMO = {
  /** The default name: topic stockpipe-demo, keyspace stockpipe_demo, lake prefix demo. */
  name: "stockpipe-demo",
  sinks: ["cassandra", "s3"] as const,
  /** Simulated ticks a second. */
  rate: 200,
  /** Minutes of simulated history before the live stream, so that 1-minute bars have closed by the end. */
  historyMinutes: 2,
  /** The planted move: the first simulated symbol jumps this much, this long into the history. */
  plant: { factor: 1.04, afterMs: 90_000 },
};
/** A demo's names, from its own (`--name`): two people sharing a cluster each run their own. */
export interface DemoNames {
  topic: string;
  keyspace: string;
  prefix: string;
  group(role: "cassandra" | "s3" | "analyze" | "notify"): string;
}

export const DEMO_NAME = /^[a-z][a-z0-9-]{0,39}$/;

export function demoNames(name: string = DEMO.name): DemoNames {
  return {
    topic: name,
    keyspace: name.replace(/-/g, "_"),
    prefix: name === DEMO.name ? "demo" : name,
    group: (role) => `${name}-${role}`,
  };
}

/** The names a demo config carries (demoConfig set them). */
export function namesOf(loaded: LoadedConfig): DemoNames {
  return demoNames(loaded.config.kafka.topic);
}

/** The user's config with the demo's own topic, keyspace and lake prefix. */
export function demoConfig(base: LoadedConfig, name: string = DEMO.name): LoadedConfig {
  const c = base.config;
  const names = demoNames(name);
  const config = {
    ...c,
    kafka: { ...c.kafka, topic: names.topic },
    cassandra: { ...c.cassandra, keyspace: names.keyspace },
    // Yearly partitions: 35 years of daily HSI bars are 35 files, not 9,000 one-day files.
    s3: { ...c.s3, prefix: names.prefix, partitionBy: "year" as const },
    // Quick idle flushes: a demo should show data in the lake within seconds.
    consumer: { ...c.consumer, flushIdleMs: 2000 },
    // The HSI trades in Hong Kong: its daily history is one bar per session of the exchange.
    market: { ...c.market, calendars: { HSI: "XHKG", ...c.market.calendars } },
  };
  const origins = new Map(base.origins);
  for (const path of ["kafka.topic", "cassandra.keyspace", "s3.prefix", "s3.partitionBy", "consumer.flushIdleMs", "market.calendars"])
    origins.set(path, "demo");
  return { ...base, config, origins };
}

/** Every run starts from a clean slate of its own names: topic, consumer groups, keyspace, lake prefix. */
export async function cleanSlate(loaded: LoadedConfig): Promise<void> {
  const config = loaded.config;
  const names = namesOf(loaded);
  const admin = createKafka(config, { retries: 2 }).admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    // The topic and everything made from it: dead letters, bars, alerts, late ticks, the analysis state.
    const toDelete = existing.filter((t) => t === names.topic || t.startsWith(`${names.topic}.`));
    if (toDelete.length) await admin.deleteTopics({ topics: toDelete, timeout: 20_000 });
    await admin.deleteGroups([...DEMO.sinks.map(names.group), names.group("analyze"), names.group("notify")]).catch(() => {});
    for (let i = 0; i < 50 && (await admin.listTopics()).some((t) => toDelete.includes(t)); i++) await sleep(200);
    await ensureTopic(admin, { name: names.topic, partitions: 6, replicationFactor: 1 });
  } finally {
    await admin.disconnect();
  }
  const cql = createCassandraClient(config);
  try {
    await cql.execute(`DROP KEYSPACE IF EXISTS ${names.keyspace}`);
    await applySchema(cql, config);
  } finally {
    await cql.shutdown();
  }
  const s3 = createS3Client(config);
  try {
    await deletePrefix(s3, config.s3.bucket, `${names.prefix}/`);
  } finally {
    s3.destroy();
  }
}

export interface DemoStreamOptions {
  /** Tickers, or a number of generated ones. */
  symbols: string[] | number;
  /** A feed recording to replay (at once) instead of the simulated stream. */
  recording?: string;
  /** How long to stream simulated ticks; undefined: until the signal aborts. */
  durationMs?: number;
  signal: AbortSignal;
}

export interface DemoProgress {
  produced: number;
  cassandra: number;
  s3: number;
  /** Messages analyzed, and bars and alerts out. */
  analyzed: number;
  bars: number;
  alerts: number;
}

export interface DemoEvents {
  onProgress?(p: DemoProgress): void;
  onRetry?(sink: string, error: Error): void;
}

/**
 * A source with a planted move: from `atMs` on, every tick of `symbol` is `factor` times the price it would have
 * been — news breaking, for the alert rules to find.
 */
function withPlantedMove(source: Source, symbol: string, atMs: number, factor: number): Source {
  return {
    name: source.name,
    open: () => source.open(),
    close: () => source.close(),
    async *items(signal) {
      for await (const item of source.items(signal)) {
        if (item.kind === "tick" && item.tick.symbol === symbol && item.eventMs >= atMs) {
          const t = item.tick;
          const scale = (x: number | undefined) => (x === undefined ? undefined : Math.round(x * factor * 100) / 100);
          yield { ...item, tick: { ...t, price: scale(t.price)!, bid: scale(t.bid), ask: scale(t.ask) } };
        } else yield item;
      }
    },
  };
}

/**
 * Streams the HSI file, then simulated ticks — a few minutes of history at once, with a planted move, then live
 * at 200/s — through Kafka into both sinks and `analyze`, and returns once all three have everything produced. The
 * signal stops the producing only.
 */
export async function streamDemo(
  loaded: LoadedConfig,
  o: DemoStreamOptions,
  events: DemoEvents = {},
): Promise<{ produced: number; rejected: number }> {
  const progress: DemoProgress = { produced: 0, cassandra: 0, s3: 0, analyzed: 0, bars: 0, alerts: 0 };
  const report = () => events.onProgress?.(progress);
  const stopConsumers = new AbortController();
  let failure: unknown;
  const consumers = startConsumers(loaded, progress, report, events, stopConsumers.signal);
  for (const c of consumers) c.catch((err) => (failure ??= err));
  const producer = await connectTickProducer(loaded, {
    topic: loaded.config.kafka.topic,
    createTopic: false,
    onDelivered: (n) => {
      progress.produced += n;
      report();
    },
  });
  let rejected = 0;
  try {
    rejected = await produceDemoTicks(loaded, o, producer.send);
    await producer.batching.flush();
    // Until both sinks and the analysis have everything produced (or a consumer failed) — after Ctrl-C too, which
    // only stops the producing: the summary then checks what was produced (a second Ctrl-C exits at once).
    const behind = () => progress.cassandra < progress.produced || progress.s3 < progress.produced || progress.analyzed < progress.produced;
    while (!failure && behind()) await sleep(200);
  } finally {
    await producer.disconnect();
    stopConsumers.abort();
    await Promise.allSettled(consumers);
  }
  if (failure) throw failure;
  return { produced: progress.produced, rejected };
}

/** Both drains and analyze on the demo topic, from its start, until `signal` aborts. */
function startConsumers(
  loaded: LoadedConfig,
  progress: DemoProgress,
  report: () => void,
  events: DemoEvents,
  signal: AbortSignal,
): Promise<unknown>[] {
  const config = loaded.config;
  const names = namesOf(loaded);
  const read = { ...drainSettings(config), topic: names.topic, from: "earliest", reset: true, exitAtEnd: false, signal };
  const drains = DEMO.sinks.map(async (name) => {
    const sink = await createSink(name, loaded, { onRetry: (err) => events.onRetry?.(name, err) });
    await drain(
      loaded,
      { ...read, group: names.group(name), sink },
      {
        onProgress: (p) => {
          progress[name] = p.written;
          report();
        },
        onRetry: (err) => events.onRetry?.(name, err),
      },
    );
  });
  const analyzing = analyze(
    loaded,
    {
      ...read,
      group: names.group("analyze"),
      settings: analyticsSettings(config),
      transactionTimeoutMs: config.analytics.transactionTimeoutMs,
    },
    {
      onProgress: (p) => {
        progress.analyzed = p.consumed;
        progress.bars = p.bars;
        progress.alerts = p.alerts;
        report();
      },
    },
  );
  return [...drains, analyzing];
}

/**
 * The HSI file at once, then simulated history with a planted move at once and live ticks — or a feed's
 * recording, at once; resolves the rejected count.
 */
async function produceDemoTicks(loaded: LoadedConfig, o: DemoStreamOptions, send: (tick: Tick) => Promise<void>): Promise<number> {
  const market = { timeZone: loaded.config.market.timeZone, calendars: CalendarBook.forMarket(loaded.config.market) };
  const hsi = await createSource({ kind: "csv", file: join(packageRoot(), "data", "indexProcessed-HSI.csv") }, market);
  await hsi.open();
  const maxFutureMs = loaded.config.market.maxFutureMs;
  let rejected = (await produceFrom({ source: hsi, send, maxFutureMs, signal: o.signal })).rejected;
  await hsi.close();
  if (o.recording) {
    const replay = await createSource({ kind: "replay", file: o.recording }, market);
    return rejected + (await produceFrom({ source: replay, send, maxFutureMs, signal: o.signal })).rejected;
  }
  // History from a whole minute a few minutes ago, sent at once; then live, each tick at its event time.
  const startMs = (Math.floor(Date.now() / 60_000) - DEMO.historyMinutes) * 60_000;
  const first = typeof o.symbols === "number" ? "" : (o.symbols[0] ?? "");
  const synthetic = withPlantedMove(
    await createSource({ kind: "synthetic", symbols: o.symbols, seed: 42, rate: DEMO.rate, startMs }, market),
    first,
    startMs + DEMO.plant.afterMs,
    DEMO.plant.factor,
  );
  const deadline = o.durationMs === undefined ? undefined : performance.now() + o.durationMs;
  rejected += (
    await produceFrom({ source: synthetic, send, pacer: new Pacer(undefined, undefined, true), maxFutureMs, deadline, signal: o.signal })
  ).rejected;
  return rejected;
}
