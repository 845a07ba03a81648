/**
 * The drain's handler on the group runner: each chunk's dead letters to `<topic>.dlq`, its valid records to the
 * sink, then the chunk counts as handled. A failure that may pass is retried with backoff while the partition
 * waits (heartbeats go on, so the group keeps this member); any other failure stops the run. Commits carry only
 * what the sink reports durable, so nothing past an unwritten chunk is ever committed.
 */
import { asStockpipeError, isRetriable, type StockpipeError } from "../../errors";
import type { DeadLetter } from "../../kafka/dlq";
import type { LatencyRecorder } from "../../kafka/latency";
import { log } from "../../log";
import type { Sink, SinkBatch } from "../../sinks/types";
import { retry } from "../../util/retry";
import { type Chunk, mergeChunks, validCount } from "../group/chunk";
import type { GroupHandler } from "../group/handler";
import { chunkBytes, WriteAhead } from "./ahead";
import type { CommitScheduler } from "./commits";

export interface DrainCounts {
  consumed: number;
  written: number;
  dlq: number;
  dlqByReason: Record<string, number>;
}

export interface WriterContext {
  sink: Sink;
  dlq: { send(letters: DeadLetter[]): Promise<void> };
  commits: CommitScheduler;
  latency?: LatencyRecorder;
  /** Aborted on interrupt or after a fatal failure: retries stop. */
  signal: AbortSignal;
  /** Interrupted by the user: a handled chunk is committed at once. */
  interrupted: () => boolean;
  counts: DrainCounts;
  onRetry?(error: Error, attempt: number, delayMs: number): void;
  /** After each chunk handled, with how long it took to store. */
  onChunk?(storeMs: number): void;
  /**
   * Bytes of chunks written ahead of the fetch at most (consumer.writeAheadBytes): the next batch is fetched
   * while these are written. 0: each chunk is written before the next is fetched.
   */
  aheadBytes: number;
  /** Stops the run with a write's failure (a chunk written ahead fails after its handle returned). */
  fail(error: StockpipeError): void;
}

/** The sink's view of a chunk: the same arrays, no copy. */
export function sinkBatch(c: Chunk): SinkBatch {
  return {
    topic: c.topic,
    partition: c.partition,
    ticks: c.ticks,
    offsets: c.tickOffsets,
    values: c.tickValues,
    ms: c.tickMs.length ? c.tickMs : undefined,
    bars: c.bars,
    alerts: c.alerts,
    nextOffset: c.nextOffset,
    caughtUp: c.caughtUp,
  };
}

/** Dead letters first, then the sink: both must be acknowledged before the chunk counts as handled. */
async function store(c: WriterContext, chunk: Chunk, heartbeat: () => Promise<void>): Promise<void> {
  const beat = setInterval(() => void heartbeat().catch(() => {}), 3000);
  const batch = sinkBatch(chunk);
  try {
    await retry(
      async () => {
        try {
          await c.dlq.send(chunk.dead);
          await c.sink.write(batch);
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

function count(c: DrainCounts, chunk: Chunk): void {
  c.consumed += chunk.messages.length;
  c.written += validCount(chunk);
  c.dlq += chunk.dead.length;
  for (const d of chunk.dead) c.dlqByReason[d.reason] = (c.dlqByReason[d.reason] ?? 0) + 1;
}

/** What follows a chunk's write: was the partition kept, then counts, latency, a commit, progress. */
function written(c: WriterContext, chunk: Chunk, ms: number): boolean {
  // The partition went to another member while this chunk was written: what the sink holds of it is stale.
  if (!c.commits.owns(chunk.partition)) {
    c.sink.release([chunk.partition]);
    return false;
  }
  c.latency?.record(chunk.ticks, chunk.producedAt, chunk.sentAt, chunk.fetchedAt);
  count(c.counts, chunk);
  if (c.interrupted()) void c.commits.now().catch(() => {});
  else c.commits.soon();
  c.onChunk?.(ms);
  return true;
}

/**
 * The drain's handler: writes chunks — ahead of the fetch, up to `aheadBytes` in flight — keeps the commit
 * scheduler's view of the assignment, and settles at the end once every write handed over has finished.
 */
export function sinkWriter(c: WriterContext): GroupHandler {
  // The chunks queued behind a partition's write in flight go out as one write; then each counts as handled.
  const ahead = new WriteAhead<Chunk>(c.aheadBytes, async (_partition, chunks) => {
    const started = performance.now();
    try {
      await store(c, mergeChunks(chunks), async () => {});
    } catch (err) {
      // Interrupted while retrying: the chunks stay uncommitted and are read again next time.
      if (!c.signal.aborted) c.fail(err as StockpipeError);
      throw err;
    }
    const ms = performance.now() - started;
    for (const chunk of chunks) written(c, chunk, ms);
  });
  return {
    async handle(chunk, heartbeat) {
      c.commits.track(chunk.partition);
      if (c.aheadBytes <= 0) {
        const started = performance.now();
        await store(c, chunk, heartbeat);
        return written(c, chunk, performance.now() - started);
      }
      await ahead.submit(chunk.partition, chunkBytes(chunk.messages), chunk);
      return true;
    },
    assigned(partitions) {
      reassigned(c, partitions);
    },
    skipped: async (chunk) => {
      // In its partition's turn: an empty write moves the sink's durable point, so never past a write in flight.
      if (c.aheadBytes <= 0) return skipEmpty(c, chunk);
      c.commits.track(chunk.partition);
      await ahead.submit(chunk.partition, 0, chunk);
    },
    tick: () => c.commits.soon(),
    async settle(handledAll) {
      try {
        await ahead.idle();
        if (handledAll) await c.sink.flush();
      } finally {
        // A rebalance can take the partitions away between flush and commit: the next owner re-reads them.
        await c.commits.now().catch((err: Error) => log.debug(`commit failed: ${err.message}`));
      }
    },
    async stop(how) {
      // Interrupted: write out what is buffered and commit it while still in the group. Anything a chunk buffers
      // after this flush is not committed, and is read again next time.
      await ahead.idle();
      if (how === "interrupted") await c.sink.flush();
      await c.commits.now().catch(() => {});
    },
  };
}

/**
 * The group gave this consumer a new assignment: partitions it lost are forgotten by the commit scheduler (never
 * committed again) and by the sink (what it buffered is the new owner's to read again).
 */
export function reassigned(c: Pick<WriterContext, "commits" | "sink">, assigned: readonly number[]): number[] {
  const lost = c.commits.keepOnly(assigned);
  if (lost.length) c.sink.release(lost);
  return lost;
}

/**
 * A fetched batch with nothing to hand over — only control records (transaction markers) or the records of an
 * aborted transaction — never reaches `handle`. The partition still moves past it: an empty write lets the sink
 * report it durable (once everything before it is), so the group commits past it and is not left one record
 * behind forever.
 */
async function skipEmpty(c: Pick<WriterContext, "sink" | "commits">, chunk: Chunk): Promise<void> {
  c.commits.track(chunk.partition);
  await c.sink.write(sinkBatch(chunk));
  c.commits.soon();
}
