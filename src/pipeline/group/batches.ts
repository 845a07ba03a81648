/**
 * The runner's batch loop: a fetched batch, cut into chunks of `batchSize`, each classified and handed to the
 * handler in offset order. A chunk the handler is done with has its offset resolved and moves the partition on;
 * a handler that throws stops the run, and nothing after the chunk it failed on is handed over.
 */
import type { EachBatchPayload } from "kafkajs";
import type { StockpipeError } from "../../errors";
import { type Chunk, classifyChunk } from "./chunk";
import type { GroupHandler, GroupRunOptions } from "./handler";
import { classifyChunkAsLines, type Decode } from "./lines";
import type { Position } from "./options";

export interface BatchLoopState {
  o: Pick<GroupRunOptions, "batchSize" | "maxMessageBytes" | "accepted" | "withTimes">;
  /** Decodes ticks as lines (lines.ts) instead of classifying them on this thread. */
  asLines?: Decode;
  /** Aborted on interrupt or after a failure: no new chunk starts. */
  signal: AbortSignal;
  positions: Map<number, Position>;
  fail(error: StockpipeError): void;
  /** When the first batch was fetched (performance.now()). */
  firstBatchAt?: number;
}

/** Moves the partition's position past the chunk. */
export function moved(positions: Map<number, Position>, chunk: Chunk): void {
  positions.set(chunk.partition, {
    next: chunk.nextOffset,
    lag: Math.max(0, Number(chunk.highWatermark) - Number(chunk.nextOffset)),
  });
}

/** The kafkajs eachBatch handler over a GroupHandler. */
export function batchLoop(h: GroupHandler, s: BatchLoopState): (payload: EachBatchPayload) => Promise<void> {
  return async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
    const { o, signal } = s;
    s.firstBatchAt ??= performance.now();
    const fetchedAt = o.withTimes ? performance.timeOrigin + performance.now() : 0;
    let messages = batch.messages;
    if (h.ready) {
      let from: string | undefined;
      try {
        from = await h.ready(batch.partition);
      } catch (err) {
        if (!signal.aborted) s.fail(err as StockpipeError);
        return;
      }
      if (from !== undefined) {
        // Offsets the handler already has (its state is ahead of what the group fetched): skip them.
        const first = Number(from);
        messages = messages.filter((m) => Number(m.offset) >= first);
        const skipped = batch.messages.length - messages.length;
        if (skipped > 0) resolveOffset(batch.messages[skipped - 1]!.offset);
      }
    }
    for (let start = 0; start < messages.length; start += o.batchSize) {
      if (!isRunning() || isStale() || signal.aborted) return;
      const slice = messages.slice(start, start + o.batchSize);
      const endOffset = start + o.batchSize >= messages.length ? batch.lastOffset() : undefined;
      const how = { maxMessageBytes: o.maxMessageBytes, accepted: o.accepted, withTimes: o.withTimes, endOffset };
      let chunk: Chunk;
      try {
        chunk = s.asLines ? await classifyChunkAsLines(s.asLines, batch, slice, how) : classifyChunk(batch, slice, how);
      } catch (err) {
        if (!signal.aborted) s.fail(err as StockpipeError);
        return;
      }
      if (signal.aborted) return;
      chunk.fetchedAt = fetchedAt;
      const started = performance.now();
      let done: boolean;
      try {
        done = await h.handle(chunk, heartbeat);
      } catch (err) {
        // Interrupted while retrying: the chunk stays unhandled and is read again next time.
        if (!signal.aborted) s.fail(err as StockpipeError);
        return;
      }
      if (!done) return;
      resolveOffset(slice[slice.length - 1]!.offset);
      moved(s.positions, chunk);
      await h.handled?.(chunk, performance.now() - started);
      await heartbeat();
    }
  };
}
