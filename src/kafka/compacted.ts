/**
 * A fix for kafkajs on compacted topics (kafkajs issues #562 and #1072; kafkajs 2.2.4 is its last release).
 *
 * The log cleaner removes records from inside record batches, but a batch keeps its offset range: its last records
 * may be gone (the batch then ends past its last record), or all of them (an empty batch, kept for the producer's
 * state). kafkajs only looks at records, so:
 *   - a fetch inside a removed tail gets back records that are all below the fetch offset, and kafkajs moves the
 *     position on by ONE offset per fetch, crawling through the gap;
 *   - a fetch that returns only an empty batch gets no record at all, and kafkajs fetches the same offset again,
 *     forever: a read_committed reader of the analysis state topic never reached the end of a partition.
 * The fix: where a record batch ends past its last record, kafkajs' fetch decoding now adds a control record at the
 * batch's last offset. Control records are never handed to the application; kafkajs moves the position past them, so
 * it moves past the whole batch at once.
 */
import { createRequire } from "node:module";

interface RecordBatch {
  firstOffset: string;
  lastOffsetDelta: number;
  records: { offset: string }[];
  [field: string]: unknown;
}

/** A control record at the batch's last offset when the batch ends past its last record (or has none), else nothing. */
export function endOfBatchMarker(batch: RecordBatch): Record<string, unknown> | undefined {
  const end = BigInt(batch.firstOffset) + BigInt(batch.lastOffsetDelta);
  const last = batch.records.at(-1);
  if (last && BigInt(last.offset) >= end) return undefined;
  const { records: _records, ...context } = batch;
  return {
    magicByte: 2,
    attributes: 0,
    timestamp: String(batch.maxTimestamp ?? "0"),
    offset: end.toString(),
    key: null,
    value: null,
    headers: {},
    isControlRecord: true,
    batchContext: context,
  };
}

let patched = false;

/**
 * Replaces kafkajs' decoder of a fetch response's record batches (fetch v4 and later, which every supported broker
 * speaks) before the first fetch loads it. Once per process; `createKafka` calls it.
 */
export function patchCompactedBatches(): void {
  if (patched) return;
  patched = true;
  const require = createRequire(import.meta.url);
  const root = "kafkajs/src/protocol";
  const Decoder = require(`${root}/decoder.js`) as new (
    buffer: Buffer,
  ) => {
    readInt32(): number;
    readBytes(n: number): Buffer;
    canReadBytes(n: number): boolean;
  };
  const MessageSetDecoder = require(`${root}/messageSet/decoder.js`) as (decoder: unknown, size: number) => Promise<unknown[]>;
  const RecordBatchDecoder = require(`${root}/recordBatch/v0/decoder.js`) as (decoder: unknown) => Promise<RecordBatch>;
  const { MAGIC_BYTE } = require(`${root}/recordBatch/v0/index.js`) as { MAGIC_BYTE: number };
  const MAGIC_OFFSET = 16;
  const RECORD_BATCH_OVERHEAD = 49;

  // As kafkajs' own decodeMessages, plus the end-of-batch marker.
  const decodeMessages = async (decoder: InstanceType<typeof Decoder>): Promise<unknown[]> => {
    const messagesSize = decoder.readInt32();
    if (messagesSize <= 0 || !decoder.canReadBytes(messagesSize)) return [];
    const messagesBuffer = decoder.readBytes(messagesSize);
    const messagesDecoder = new Decoder(messagesBuffer);
    const magicByte = messagesBuffer.subarray(MAGIC_OFFSET).readInt8(0);
    if (magicByte !== MAGIC_BYTE) return MessageSetDecoder(messagesDecoder, messagesSize);
    const records: unknown[] = [];
    while (messagesDecoder.canReadBytes(RECORD_BATCH_OVERHEAD)) {
      try {
        const batch = await RecordBatchDecoder(messagesDecoder);
        for (const r of batch.records) records.push(r);
        const marker = endOfBatchMarker(batch);
        if (marker) records.push(marker);
      } catch (e) {
        // The last batch of a response can be cut short by the size limit: it comes again in the next fetch.
        if ((e as Error).name === "KafkaJSPartialMessageError") break;
        throw e;
      }
    }
    return records;
  };
  const path = require.resolve(`${root}/requests/fetch/v4/decodeMessages.js`);
  require(path);
  const cached = require.cache[path];
  if (cached) cached.exports = decodeMessages;
}
