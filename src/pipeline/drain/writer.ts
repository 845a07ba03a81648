/**
 * Batch handling: a fetched batch, cut into chunks of `batchSize` → each message classified (bad ones to the
 * dead-letter queue with the reason) → the valid ones to the sink → the chunk marked handled. A failure that may
 * pass is retried with backoff while the partition waits (heartbeats go on, so the group keeps this member);
 * any other failure stops the run. Nothing past an unwritten chunk is ever committed.
 */
import type { Batch, EachBatchPayload, KafkaMessage } from "kafkajs";
import { asStockpipeError, isRetriable, type StockpipeError } from "../../errors";
import { classifyMessage } from "../../kafka/classify";
import type { DeadLetter } from "../../kafka/dlq";
import type { LatencyRecorder } from "../../kafka/latency";
import type { KindName } from "../../model/kinds";
import { emptyBatch, type Sink, type SinkBatch } from "../../sinks/types";
import { retry } from "../../util/retry";
import type { CommitScheduler } from "./commits";

export interface DrainCounts {
  consumed: number;
  written: number;
  dlq: number;
  dlqByReason: Record<string, number>;
}

export interface BatchContext {
  sink: Sink;
  dlq: { send(letters: DeadLetter[]): Promise<void> };
  commits: CommitScheduler;
  batchSize: number;
  maxMessageBytes: number;
  latency?: LatencyRecorder;
  /** Aborted on interrupt or after a fatal failure. */
  signal: AbortSignal;
  /** Interrupted by the user: the batch in hand commits before it returns. */
  interrupted: () => boolean;
  counts: DrainCounts;
  /** Per partition: offset after the last message handled, and how many messages were left behind it. */
  positions: Map<number, { next: string; lag: number }>;
  fail(error: StockpipeError): void;
  onRetry?(error: Error, attempt: number, delayMs: number): void;
  /** A fetched batch is about to be handled. */
  onBatch?(): void;
  onChunk?(storeMs: number): void;
}

/** A chunk split into what the sink gets and what goes to the dead-letter queue. */
export interface Classified {
  batch: SinkBatch;
  dead: DeadLetter[];
  /** For the latency recorder: each tick's `produced-at` header and Kafka timestamp (epoch ms). */
  producedAt: number[];
  sentAt: number[];
}

/**
 * Classifies a chunk of a fetched batch. `endOffset`: the batch's last offset when this chunk ends it — past the
 * last message when control records (a transaction's commit marker) follow it, so they are not left behind.
 */
export function classifyChunk(
  batch: Pick<Batch, "topic" | "partition" | "highWatermark">,
  chunk: KafkaMessage[],
  maxMessageBytes: number,
  withTimes: boolean,
  accepted?: readonly KindName[],
  endOffset?: string,
): Classified {
  const last = chunk[chunk.length - 1]!;
  let next = BigInt(last.offset) + 1n;
  if (endOffset !== undefined && BigInt(endOffset) + 1n > next) next = BigInt(endOffset) + 1n;
  const nextOffset = next.toString();
  const out: Classified = {
    batch: emptyBatch(batch, nextOffset),
    dead: [],
    producedAt: [],
    sentAt: [],
  };
  for (const m of chunk) {
    const c = classifyMessage(m, maxMessageBytes, accepted);
    if (!c.ok) {
      out.dead.push({ message: m, partition: batch.partition, reason: c.reason, detail: c.detail });
      continue;
    }
    if (c.kind === "bar") {
      out.batch.bars.push({ record: c.bar, offset: m.offset, value: c.text });
      continue;
    }
    if (c.kind === "alert") {
      out.batch.alerts.push({ record: c.alert, offset: m.offset, value: c.text });
      continue;
    }
    out.batch.ticks.push(c.tick);
    out.batch.offsets.push(m.offset);
    // One line per record, for sinks that store the JSON as it is: re-encode anything multi-line.
    out.batch.values.push(c.text.includes("\n") ? JSON.stringify(c.tick) : c.text);
    if (withTimes) {
      out.producedAt.push(Number(m.headers?.["produced-at"]?.toString() ?? Number.NaN));
      out.sentAt.push(Number(m.timestamp));
    }
  }
  return out;
}

/** Dead letters first, then the sink: both must be acknowledged before the chunk counts as handled. */
async function store(c: BatchContext, work: Classified, heartbeat: () => Promise<void>): Promise<void> {
  const beat = setInterval(() => void heartbeat().catch(() => {}), 3000);
  try {
    await retry(
      async () => {
        try {
          await c.dlq.send(work.dead);
          await c.sink.write(work.batch);
        } catch (err) {
          throw asStockpipeError(err, `write to ${c.sink.name}`);
        }
      },
      { isRetriable, onRetry: c.onRetry, shouldStop: () => c.signal.aborted },
    );
  } finally {
    clearInterval(beat);
  }
}

function count(c: BatchContext, work: Classified, chunkSize: number): void {
  c.counts.consumed += chunkSize;
  c.counts.written += work.batch.ticks.length + work.batch.bars.length + work.batch.alerts.length;
  c.counts.dlq += work.dead.length;
  for (const d of work.dead) c.counts.dlqByReason[d.reason] = (c.counts.dlqByReason[d.reason] ?? 0) + 1;
}

/** The kafkajs eachBatch handler. */
export function batchHandler(c: BatchContext): (payload: EachBatchPayload) => Promise<void> {
  return async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
    c.onBatch?.();
    const fetchedAt = c.latency ? performance.timeOrigin + performance.now() : 0;
    for (let start = 0; start < batch.messages.length; start += c.batchSize) {
      if (!isRunning() || isStale() || c.signal.aborted) return;
      const chunk = batch.messages.slice(start, start + c.batchSize);
      const end = start + c.batchSize >= batch.messages.length ? batch.lastOffset() : undefined;
      const work = classifyChunk(batch, chunk, c.maxMessageBytes, c.latency !== undefined, undefined, end);
      c.commits.track(batch.partition);
      const storing = performance.now();
      try {
        await store(c, work, heartbeat);
      } catch (err) {
        // Interrupted while retrying: the chunk stays unhandled and is read again next time.
        if (!c.signal.aborted) c.fail(err as StockpipeError);
        return;
      }
      // The partition went to another member while this chunk was written: what the sink holds of it is stale.
      if (!c.commits.owns(batch.partition)) return c.sink.release([batch.partition]);
      c.latency?.record(work.batch.ticks, work.producedAt, work.sentAt, fetchedAt);
      resolveOffset(chunk[chunk.length - 1]!.offset);
      count(c, work, chunk.length);
      c.positions.set(batch.partition, {
        next: work.batch.nextOffset,
        lag: Math.max(0, Number(batch.highWatermark) - Number(work.batch.nextOffset)),
      });
      if (c.interrupted()) await c.commits.now().catch(() => {});
      else c.commits.soon();
      c.onChunk?.(performance.now() - storing);
      await heartbeat();
    }
  };
}

/**
 * The group gave this consumer a new assignment: partitions it lost are forgotten by the commit scheduler (never
 * committed again) and by the sink (what it buffered is the new owner's to read again).
 */
export function reassigned(c: Pick<BatchContext, "commits" | "sink" | "positions">, assigned: readonly number[]): number[] {
  const lost = c.commits.keepOnly(assigned);
  if (lost.length) c.sink.release(lost);
  for (const p of lost) c.positions.delete(p);
  return lost;
}

/**
 * A fetched batch with nothing to hand over — only control records (transaction markers) or the records of an
 * aborted transaction — never reaches the batch handler. The partition still moves past it: an empty write
 * lets the sink report it durable (once everything before it is), so the group commits past it and is not left
 * one record behind forever.
 */
export async function skipEmptyBatch(
  c: Pick<BatchContext, "sink" | "commits" | "positions" | "signal">,
  b: { topic: string; partition: number; lastOffset: string; highWatermark: string },
): Promise<void> {
  if (c.signal.aborted) return;
  const nextOffset = (BigInt(b.lastOffset) + 1n).toString();
  c.commits.track(b.partition);
  await c.sink.write(emptyBatch(b, nextOffset));
  c.positions.set(b.partition, { next: nextOffset, lag: Math.max(0, Number(b.highWatermark) - Number(nextOffset)) });
  c.commits.soon();
}
