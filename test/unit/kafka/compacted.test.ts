/**
 * kafkajs on compacted topics: a record batch that ends past its last record (the cleaner removed its tail, or all
 * of it) gets a control record at its last offset, so kafkajs moves past the whole batch.
 */
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { endOfBatchMarker } from "../../../src/kafka/compacted";

const require = createRequire(import.meta.url);
const Batch = require("kafkajs/src/consumer/batch.js") as new (
  topic: string,
  fetchedOffset: string,
  data: { partition: number; highWatermark: string; abortedTransactions: unknown[]; messages: unknown[] },
) => { lastOffset(): string; messages: unknown[] };

const context = (firstOffset: number, lastOffsetDelta: number) => ({
  firstOffset: String(firstOffset),
  lastOffsetDelta,
  producerId: "7",
  inTransaction: true,
  isControlBatch: false,
  maxTimestamp: "1700000000000",
});
const record = (offset: number, firstOffset: number, lastOffsetDelta: number) => ({
  offset: String(offset),
  key: Buffer.from("k"),
  value: Buffer.from("v"),
  headers: {},
  isControlRecord: false,
  batchContext: context(firstOffset, lastOffsetDelta),
});
const batchOf = (firstOffset: number, lastOffsetDelta: number, offsets: number[]) => ({
  ...context(firstOffset, lastOffsetDelta),
  records: offsets.map((o) => record(o, firstOffset, lastOffsetDelta)),
});

describe("compacted topics", () => {
  it("mark where a record batch ends when its last records, or all of them, were removed", () => {
    expect(endOfBatchMarker(batchOf(897, 7, []))).toMatchObject({ offset: "904", isControlRecord: true, key: null });
    expect(endOfBatchMarker(batchOf(100, 499, [100, 101]))).toMatchObject({ offset: "599", isControlRecord: true });
    expect(endOfBatchMarker(batchOf(100, 2, [100, 102]))).toBeUndefined();
  });

  it("let kafkajs move past the whole batch, handing nothing to the application", () => {
    // An empty batch 897–904 (everything compacted away), fetched at 897: before, kafkajs saw no record and fetched 897 again.
    const empty = batchOf(897, 7, []);
    const atEmpty = new Batch("t", "897", {
      partition: 0,
      highWatermark: "1112",
      abortedTransactions: [],
      messages: [endOfBatchMarker(empty)],
    });
    expect(atEmpty.messages).toEqual([]);
    expect(atEmpty.lastOffset()).toBe("904");
    // A batch 100–599 of which 100 and 101 survived, fetched at 102: before, kafkajs moved on one offset per fetch.
    const tail = batchOf(100, 499, [100, 101]);
    const messages = [...tail.records, endOfBatchMarker(tail)];
    const inTail = new Batch("t", "102", { partition: 0, highWatermark: "1000", abortedTransactions: [], messages });
    expect(inTail.messages).toEqual([]);
    expect(inTail.lastOffset()).toBe("599");
    // Fetched at 100: both records go to the application, and the batch ends at 599.
    const whole = new Batch("t", "100", { partition: 0, highWatermark: "1000", abortedTransactions: [], messages });
    expect(whole.messages.map((m) => (m as { offset: string }).offset)).toEqual(["100", "101"]);
    expect(whole.lastOffset()).toBe("599");
  });
});
