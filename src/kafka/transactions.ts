/**
 * Transactional output: one transactional producer per input partition (the transactional id names the group,
 * topic and partition), so that whoever owns a partition fences every earlier owner of it — the exactly-once
 * scheme Kafka Streams used before the group generation could travel with the offsets (kafkajs' sendOffsets does
 * not carry it). Output records and the input offset go to Kafka in one transaction: a read_committed reader sees
 * all of it or none of it.
 */
import type { Kafka, Message, Producer, Transaction } from "kafkajs";
import { log } from "../log";
import { sendAcknowledged } from "./acknowledged";
import { MAX_REQUEST_BYTES } from "./dlq";
import { kafkaErrorType } from "./errors";

export interface OutRecord {
  topic: string;
  message: Message;
}

/**
 * A transaction that failed. `beforeCommit`: it failed before the commit was asked for and was aborted, so the
 * same records may be sent again in a new transaction; otherwise whether it committed is unknown, and only the
 * checkpoint can tell.
 */
export class TransactionFailed extends Error {
  constructor(
    readonly beforeCommit: boolean,
    cause: unknown,
  ) {
    super((cause as Error)?.message ?? String(cause), { cause });
  }
}

/** The transactional id has a newer owner: this process must let go of the partition. */
export class FencedError extends Error {
  constructor(readonly partition: number) {
    super(`partition ${partition} was taken over by another process`);
  }
}

const FENCED = new Set([
  "INVALID_PRODUCER_EPOCH",
  "PRODUCER_FENCED",
  "INVALID_PRODUCER_ID_MAPPING",
  "TRANSACTIONAL_ID_AUTHORIZATION_FAILED",
]);

export function isFenced(err: unknown): boolean {
  const type = kafkaErrorType(err);
  return type !== undefined && FENCED.has(type);
}

function sizeOf(m: Message): number {
  return (m.value?.length ?? 0) + (m.key?.length ?? 0) + 256;
}

export class PartitionTransactor {
  private constructor(
    private readonly producer: Producer,
    readonly partition: number,
  ) {}

  /**
   * Connects the partition's transactional producer and fences every earlier producer of the same id: Kafka aborts
   * whatever transaction an earlier owner left open, and rejects that owner's next write.
   */
  static async open(kafka: Kafka, transactionalId: string, partition: number, transactionTimeoutMs: number): Promise<PartitionTransactor> {
    const producer = kafka.producer({
      transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: transactionTimeoutMs,
      // The previous transaction's markers take a few ms to write; the next one is refused
      // (CONCURRENT_TRANSACTIONS) until then. Retry soon, not after the client's default 200 ms.
      retry: { retries: 10, initialRetryTime: 10, maxRetryTime: 1000 },
    });
    await producer.connect();
    try {
      const t = await producer.transaction();
      await t.abort();
    } catch (err) {
      await producer.disconnect().catch(() => {});
      throw err;
    }
    return new PartitionTransactor(producer, partition);
  }

  /**
   * Sends the records and commits the group's offset for the partition in one transaction. When `stop()` turns
   * true before the commit, the transaction is aborted instead and this resolves false. A failure aborts the
   * transaction (when it still can) and is thrown: FencedError when another process owns the partition now,
   * else TransactionFailed.
   */
  async commit(records: OutRecord[], offset: { group: string; topic: string; next: string }, stop: () => boolean): Promise<boolean> {
    let t: Transaction | undefined;
    let committing = false;
    try {
      t = await this.producer.transaction();
      await sendAll(t, records);
      await t.sendOffsets({
        consumerGroupId: offset.group,
        topics: [{ topic: offset.topic, partitions: [{ partition: this.partition, offset: offset.next }] }],
      });
      if (stop()) {
        await t.abort();
        return false;
      }
      committing = true;
      await t.commit();
      return true;
    } catch (err) {
      if (isFenced(err)) throw new FencedError(this.partition);
      let aborted = !committing;
      if (!committing && t?.isActive())
        aborted = await t.abort().then(
          () => true,
          (e: Error) => {
            log.debug(`abort after a failed transaction failed too: ${e.message}`);
            return false;
          },
        );
      throw new TransactionFailed(aborted, err);
    }
  }

  async close(): Promise<void> {
    await this.producer.disconnect().catch(() => {});
  }
}

/** All records in as few produce requests as fit under the request size limit. */
async function sendAll(t: Transaction, records: OutRecord[]): Promise<void> {
  let request = new Map<string, Message[]>();
  let bytes = 0;
  const flush = async () => {
    if (request.size === 0) return;
    await sendAcknowledged(
      (topicMessages) => t.sendBatch({ acks: -1, topicMessages }),
      [...request].map(([topic, messages]) => ({ topic, messages })),
    );
    request = new Map();
    bytes = 0;
  };
  for (const r of records) {
    const size = sizeOf(r.message);
    if (bytes > 0 && bytes + size > MAX_REQUEST_BYTES) await flush();
    const list = request.get(r.topic);
    if (list) list.push(r.message);
    else request.set(r.topic, [r.message]);
    bytes += size;
  }
  await flush();
}
