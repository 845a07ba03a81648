/**
 * The drain: a topic into a sink through a consumer group — the heart of the pipeline. Fetch → classify (bad
 * messages to `<topic>.dlq`) → sink → commit only what the sink reports durable. At-least-once delivery plus
 * idempotent writes gives each record exactly once in the sink, across crashes, rebalances and replays.
 *
 * The group runner (group/runner.ts) reads the topic; writer.ts is the drain's handler on it, and commits.ts
 * decides what to commit and when. No terminal here: progress and retries are reported through `DrainEvents`.
 */
import type { LoadedConfig } from "../../config/loader";
import type { ResolvedConfig } from "../../config/schema";
import { openDeadLetterQueue } from "../../kafka/dlq";
import type { LatencyRecorder } from "../../kafka/latency";
import { log } from "../../log";
import type { Sink } from "../../sinks/types";
import { type GroupReadOptions, groupReadSettings } from "../group/options";
import { runGroup } from "../group/runner";
import { CommitScheduler } from "./commits";
import { type DrainCounts, sinkWriter } from "./writer";

/** Aborting `signal` stops the drain cleanly: the batch in hand is written and committed. */
export interface DrainOptions extends GroupReadOptions {
  sink: Sink;
  /** Bytes a fetch returns at most, all partitions together, and per partition. */
  fetchMaxBytes: number;
  fetchMaxBytesPerPartition: number;
  /** Records each row's latency from event time to durable (write-through sinks only). */
  latency?: LatencyRecorder;
  /** Bytes written ahead of the fetch at most (0: each batch written before the next fetch). */
  writeAheadBytes: number;
  /** Threads decoding ticks beside the main one, for a sink that takes lines (0: the main thread decodes). */
  decodeThreads: number;
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
): Pick<
  DrainOptions,
  | "batchSize"
  | "partitionsConcurrently"
  | "maxMessageBytes"
  | "from"
  | "fetchMaxBytes"
  | "fetchMaxBytesPerPartition"
  | "writeAheadBytes"
  | "decodeThreads"
> {
  const c = config.consumer;
  return {
    ...groupReadSettings(config),
    fetchMaxBytes: c.fetchMaxBytes,
    fetchMaxBytesPerPartition: c.fetchMaxBytesPerPartition,
    writeAheadBytes: c.writeAheadBytes,
    decodeThreads: c.decodeThreads,
  };
}

export async function drain(loaded: LoadedConfig, o: DrainOptions, events: DrainEvents = {}): Promise<DrainResult> {
  const result: DrainResult = { consumed: 0, written: 0, dlq: 0, dlqByReason: {}, stoppedBy: "caught up", drainSeconds: 0 };
  try {
    const outcome = await runGroup(
      loaded,
      {
        ...o,
        action: "consume",
        fetch: { maxBytes: o.fetchMaxBytes, maxBytesPerPartition: o.fetchMaxBytesPerPartition, maxWaitTimeInMs: 250 },
        withTimes: o.latency !== undefined,
        // Ticks as lines, decoded beside the main thread, for a sink that needs no Tick objects.
        asLines: o.sink.takesLines && o.decodeThreads > 0 && !o.latency ? { threads: o.decodeThreads } : undefined,
      },
      async (group) => {
        const dlq = await openDeadLetterQueue(loaded, group.kafka, o.topic, group.partitions, `consume (group ${o.group})`);
        await o.sink.open().catch(async (err) => {
          await dlq.close();
          throw err;
        });
        const commits = new CommitScheduler(
          o.topic,
          (p) => o.sink.durableOffset(p),
          async (offsets) => {
            await group.commitOffsets(offsets);
            // The drain time runs from the first fetched batch to the last commit.
            result.drainSeconds = Math.round(group.sinceFirstBatch() / 10) / 100;
          },
          (err) => log.debug(`commit failed, the batches after the last commit will be read again: ${err.message}`),
        );
        const writer = sinkWriter({
          sink: o.sink,
          dlq: dlq.dlq,
          commits,
          latency: o.latency,
          signal: group.signal,
          interrupted: () => o.signal.aborted,
          counts: result,
          aheadBytes: o.writeAheadBytes,
          fail: (e) => group.fail(e),
          onRetry: events.onRetry,
          onChunk(chunkMs) {
            const { consumed, written, dlq, dlqByReason } = result;
            events.onProgress?.({ consumed, written, dlq, dlqByReason, lag: group.lag(), chunkMs });
          },
        });
        return {
          ...writer,
          assigned(partitions, memberId) {
            writer.assigned?.(partitions, memberId);
            events.onAssigned?.(memberId, partitions);
          },
          close: () => dlq.close(),
        };
      },
    );
    result.stoppedBy = outcome.stoppedBy;
    return result;
  } finally {
    // The sink holds a client (and the lake sink a temporary folder) from the moment it is made.
    await o.sink.close().catch(() => {});
  }
}
