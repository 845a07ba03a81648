/** kafkajs on compacted topics: a batch whose surviving records all lie below the fetch offset ends at its header's end. */
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { lastOffsetOfBatches, patchCompactedBatches } from "../../src/kafka/compacted";

const require = createRequire(import.meta.url);
const Batch = require("kafkajs/src/consumer/batch.js") as new (
  topic: string,
  fetchedOffset: string,
  data: { partition: number; highWatermark: string; abortedTransactions: unknown[]; messages: unknown[] },
) => { lastOffset(): string; messages: unknown[] };

const record = (offset: number, firstOffset: number, lastOffsetDelta: number) => ({
  offset: String(offset),
  key: null,
  value: Buffer.from("x"),
  headers: {},
  isControlRecord: false,
  batchContext: { firstOffset: String(firstOffset), lastOffsetDelta, producerId: "-1", inTransaction: false },
});

describe("compacted topics", () => {
  it("move past a record batch whose tail the cleaner removed, not one offset at a time", () => {
    patchCompactedBatches();
    // A batch of offsets 100..599 of which only 100 and 101 survived compaction, fetched at 102.
    const compacted = new Batch("t", "102", {
      partition: 0,
      highWatermark: "1000",
      abortedTransactions: [],
      messages: [record(100, 100, 499), record(101, 100, 499)],
    });
    expect(compacted.messages).toEqual([]);
    expect(compacted.lastOffset()).toBe("599");
    // Records at or after the fetch offset: unchanged, the last of them.
    const normal = new Batch("t", "100", {
      partition: 0,
      highWatermark: "1000",
      abortedTransactions: [],
      messages: [record(100, 100, 499), record(101, 100, 499)],
    });
    expect(normal.lastOffset()).toBe("101");
    // Nothing at all: unchanged (high watermark − 1).
    expect(new Batch("t", "5", { partition: 0, highWatermark: "9", abortedTransactions: [], messages: [] }).lastOffset()).toBe("8");
  });

  it("takes the furthest end among the record batches of a fetch", () => {
    expect(lastOffsetOfBatches([record(1, 0, 9), record(12, 10, 30), { offset: "3" }])).toBe(40n);
    expect(lastOffsetOfBatches([])).toBe(-1n);
  });
});
