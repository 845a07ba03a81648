/**
 * A fix for kafkajs on compacted topics (kafkajs issues #562 and #1072; kafkajs 2.2.4 is its last release).
 *
 * When the log cleaner removes the last records of a record batch, the batch keeps its offset range. A fetch at an
 * offset inside that removed tail gets the batch back with every surviving record below the fetch offset; kafkajs
 * then treats the batch as empty and moves the position on by ONE offset (`Batch.lastOffset()` returns the
 * fetched offset), so a consumer crawls through the gap a fetch per offset — thousands of round trips, minutes, for
 * a partition that a few fetches read. The analysis state topic is compacted and written in large batches, so
 * reading it back after a restart hit this.
 *
 * The fix: such a batch ends where its record batch header says it ends (first offset + last offset delta, which
 * kafkajs decodes into every record's `batchContext`), so the position moves past the whole batch at once.
 */
import { createRequire } from "node:module";

interface RawRecord {
  offset: string;
  batchContext?: { firstOffset?: string; lastOffsetDelta?: number };
}

interface KafkajsBatch {
  fetchedOffset: string;
  rawMessages: RawRecord[];
  isEmptyDueToLogCompactedMessages(): boolean;
  lastOffset(): string;
}

/** The last offset covered by the record batches a fetch returned (-1 when none says). */
export function lastOffsetOfBatches(records: readonly RawRecord[]): bigint {
  let last = -1n;
  for (const r of records) {
    const c = r.batchContext;
    if (c?.firstOffset === undefined || c.lastOffsetDelta === undefined) continue;
    const end = BigInt(c.firstOffset) + BigInt(c.lastOffsetDelta);
    if (end > last) last = end;
  }
  return last;
}

let patched = false;

/** Patches kafkajs' Batch once per process (every consumer gets it). */
export function patchCompactedBatches(): void {
  if (patched) return;
  patched = true;
  const require = createRequire(import.meta.url);
  const Batch = require("kafkajs/src/consumer/batch.js") as { prototype: KafkajsBatch };
  const original = Batch.prototype.lastOffset;
  Batch.prototype.lastOffset = function (this: KafkajsBatch): string {
    if (this.isEmptyDueToLogCompactedMessages()) {
      const end = lastOffsetOfBatches(this.rawMessages);
      if (end > BigInt(this.fetchedOffset)) return end.toString();
    }
    return original.call(this);
  };
}
