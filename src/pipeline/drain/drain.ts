/**
 * The drain: a topic into a sink through a consumer group — the heart of the pipeline. Fetch → classify (bad
 * messages to `<topic>.dlq`) → sink → commit only what the sink reports durable. At-least-once delivery plus
 * idempotent writes gives each record exactly once in the sink, across crashes, rebalances and replays.
 *
 * This file wires the parts together and supervises the run: position.ts places the group, batches.ts handles
 * each fetched batch, commits.ts decides what to commit and when. No terminal here: progress and retries are
 * reported through `DrainEvents`.
 */

import { setTimeout as sleep } from "node:timers/promises";
import type { Admin, Consumer, Kafka } from "kafkajs";
import type { LoadedConfig } from "../../config/loader";
import type { ResolvedConfig } from "../../config/schema";
import { isRetriable, type StockpipeError } from "../../errors";
import { createKafka } from "../../kafka/client";
import { openDeadLetterQueue } from "../../kafka/dlq";
import { kafkaError } from "../../kafka/errors";
import { partitionLag } from "../../kafka/lag";
import type { LatencyRecorder } from "../../kafka/latency";
import { partitionCount, requireTopic } from "../../kafka/topics";
import { log } from "../../log";
import type { Sink } from "../../sinks/types";
import type { GroupReadOptions } from "../group";
import { type BatchContext, batchHandler, type DrainCounts, reassigned, skipEmptyBatch } from "./batches";
import { CommitScheduler } from "./commits";
import { parseFrom, positionGroup } from "./position";

/** Aborting `signal` stops the drain cleanly: the batch in hand is written and committed. */
export interface DrainOptions extends GroupReadOptions {
  sink: Sink;
  /** Bytes a fetch returns at most, all partitions together, and per partition. */
  fetchMaxBytes: number;
  fetchMaxBytesPerPartition: number;
  /** Records each row's latency from event time to durable (write-through sinks only). */
  latency?: LatencyRecorder;
}

export interface DrainProgress {
  consumed: number;
  written: number;
  dlq: number;
  dlqByReason: Record<string, number>;
  lag: number;
  /** How long the chunk just handled took to store (dead letters and sink write, retries included). */
  chunkMs: number;
}

export interface DrainEvents {
  /** After each chunk handled. */
  onProgress?(p: DrainProgress): void;
  /** A write failed and will be retried; nothing is committed past it. */
  onRetry?(error: Error, attempt: number, delayMs: number): void;
  /** The group (re)assigned partitions: this process's member id and its partitions now. */
  onAssigned?(memberId: string, partitions: number[]): void;
}

export interface DrainResult extends DrainCounts {
  stoppedBy: "caught up" | "interrupted";
  /** From the first fetched batch to the last commit (including a buffering sink's final flush). */
  drainSeconds: number;
}

/** The drain's tuning from config: `consume` and `demo` both start from here. */
export function drainSettings(
  config: ResolvedConfig,
): Pick<DrainOptions, "batchSize" | "partitionsConcurrently" | "maxMessageBytes" | "from" | "fetchMaxBytes" | "fetchMaxBytesPerPartition"> {
  const c = config.consumer;
  return {
    batchSize: c.batchSize,
    partitionsConcurrently: c.partitionsConcurrently,
    maxMessageBytes: c.maxMessageBytes,
    from: c.from,
    fetchMaxBytes: c.fetchMaxBytes,
    fetchMaxBytesPerPartition: c.fetchMaxBytesPerPartition,
  };
}

interface Run {
  o: DrainOptions;
  admin: Admin;
  consumer: Consumer;
  ctx: BatchContext;
  result: DrainResult;
  fatal(): StockpipeError | undefined;
}

export async function drain(loaded: LoadedConfig, o: DrainOptions, events: DrainEvents = {}): Promise<DrainResult> {
  const from = parseFrom(o.from);
  const kafka = createKafka(loaded.config, { retries: 5 });
  const admin = kafka.admin();
  // Run in this order at the end, whatever happened. The sink is closed even if the drain never got to open it:
  // it holds a client (and the lake sink a temporary folder) from the moment it is made.
  const cleanup: (() => Promise<unknown>)[] = [() => o.sink.close(), () => admin.disconnect()];
  try {
    await admin.connect();
    await requireTopic(admin, o.topic);
    const partitions = await partitionCount(admin, o.topic);
    await positionGroup(admin, o.topic, o.group, from, o.reset);
    const dlq = await openDeadLetterQueue(loaded, kafka, o.topic, partitions);
    cleanup.unshift(dlq.close);
    await o.sink.open();
    const run = await start(kafka, admin, o, events, dlq.dlq, from === "earliest");
    cleanup.unshift(() => run.consumer.disconnect());
    await supervise(run);
    const fatal = run.fatal();
    if (fatal) throw fatal;
    return run.result;
  } catch (err) {
    throw kafkaError(err, loaded, `consume ${o.topic}`);
  } finally {
    for (const step of cleanup) await step().catch(() => {});
  }
}

/** Joins the group and starts fetching; batches are handled in the background from here on. */
async function start(
  kafka: Kafka,
  admin: Admin,
  o: DrainOptions,
  events: DrainEvents,
  dlq: BatchContext["dlq"],
  fromBeginning: boolean,
): Promise<Run> {
  const result: DrainResult = { consumed: 0, written: 0, dlq: 0, dlqByReason: {}, stoppedBy: "caught up", drainSeconds: 0 };
  const stop = new AbortController();
  let fatal: StockpipeError | undefined;
  let firstBatchAt: number | undefined;
  const consumer = kafka.consumer({
    groupId: o.group,
    maxBytesPerPartition: o.fetchMaxBytesPerPartition,
    maxBytes: o.fetchMaxBytes,
    maxWaitTimeInMs: 250,
    sessionTimeout: 30_000,
    heartbeatInterval: 3000,
  });
  const commits = new CommitScheduler(
    o.topic,
    (p) => o.sink.durableOffset(p),
    async (offsets) => {
      await consumer.commitOffsets(offsets);
      if (firstBatchAt !== undefined) result.drainSeconds = Math.round((performance.now() - firstBatchAt) / 10) / 100;
    },
    (err) => log.debug(`commit failed, the batches after the last commit will be read again: ${err.message}`),
  );
  const positions: BatchContext["positions"] = new Map();
  const ctx: BatchContext = {
    sink: o.sink,
    dlq,
    commits,
    batchSize: o.batchSize,
    maxMessageBytes: o.maxMessageBytes,
    latency: o.latency,
    signal: AbortSignal.any([o.signal, stop.signal]),
    interrupted: () => o.signal.aborted,
    counts: result,
    positions,
    fail(error) {
      fatal ??= error;
      stop.abort();
    },
    onRetry: events.onRetry,
    onBatch() {
      // The drain time runs from the first fetched batch to the last commit.
      firstBatchAt ??= performance.now();
    },
    onChunk(chunkMs) {
      let lag = 0;
      for (const p of positions.values()) lag += p.lag;
      events.onProgress?.({
        consumed: result.consumed,
        written: result.written,
        dlq: result.dlq,
        dlqByReason: result.dlqByReason,
        lag,
        chunkMs,
      });
    },
  };
  // A rebalance took partitions away: what the sink buffered for them is the new owner's to read again.
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    const assigned = e.payload.memberAssignment[o.topic] ?? [];
    reassigned(ctx, assigned);
    events.onAssigned?.(
      e.payload.memberId,
      [...assigned].sort((a, b) => a - b),
    );
  });
  consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
    const b = e.payload;
    if (b.batchSize !== 0 || b.topic !== o.topic) return;
    skipEmptyBatch(ctx, b).catch((err) => log.debug(`could not move past the control records of partition ${b.partition}: ${err.message}`));
  });
  await consumer.connect();
  await consumer.subscribe({ topic: o.topic, fromBeginning });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: o.partitionsConcurrently,
    eachBatch: batchHandler(ctx),
  });
  return { o, admin, consumer, ctx, result, fatal: () => fatal };
}

/** Every partition handled up to its end (a buffering sink may still hold rows). */
async function handledEverything(run: Run): Promise<boolean> {
  return (await partitionLag(run.admin, run.o.topic, run.o.group)).every((p) => {
    const next = run.ctx.positions.get(p.partition)?.next;
    return p.lag === 0 || (next !== undefined && Number(next) >= p.latest);
  });
}

async function lagOf(run: Run): Promise<number> {
  return (await partitionLag(run.admin, run.o.topic, run.o.group)).reduce((sum, p) => sum + p.lag, 0);
}

/**
 * Runs until interrupted, stopped by a failure, or (exitAtEnd) caught up: everything handled, flushed and
 * committed. Meanwhile it commits what becomes durable in the background (a buffering sink's files landing).
 */
async function supervise(run: Run): Promise<void> {
  const { o, ctx } = run;
  while (!ctx.signal.aborted) {
    await sleep(500, undefined, { signal: ctx.signal }).catch(() => {});
    if (ctx.signal.aborted) break;
    ctx.commits.soon();
    if (!o.exitAtEnd) continue;
    try {
      if (ctx.positions.size > 0 && (await handledEverything(run))) await o.sink.flush();
    } catch (err) {
      if (!isRetriable(err)) {
        ctx.fail(err as StockpipeError);
        break;
      }
      log.debug(`flush failed, tried again shortly: ${(err as Error).message}`);
    }
    // A rebalance can take the partitions away between flush and commit: the next owner re-reads them.
    await ctx.commits.now().catch((err: Error) => log.debug(`commit failed: ${err.message}`));
    if ((await lagOf(run)) === 0) return;
  }
  if (run.fatal()) {
    await ctx.commits.now().catch(() => {});
    return;
  }
  // Interrupted: write out what is buffered and commit it while still in the group. Anything a batch buffers
  // after this flush is not committed, and is read again next time.
  run.result.stoppedBy = "interrupted";
  await o.sink.flush();
  await ctx.commits.now().catch(() => {});
}
