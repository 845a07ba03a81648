/**
 * Reading a topic without joining anyone's work: a throwaway consumer group that commits nothing, positioned per
 * partition (earliest, latest, a time, or the last N messages), reading either up to the end offsets it found at
 * the start or on and on (follow). `tail`, `dlq` and `verify` read topics through this.
 */
import { randomBytes } from "node:crypto";
import type { Admin, Kafka, KafkaMessage } from "kafkajs";
import { patchCompactedBatches } from "./compacted";
import { requireTopic } from "./topics";

/** Where each partition starts: earliest, latest, an epoch-ms time, or the last N messages. */
export type ReadFrom = "earliest" | "latest" | { time: number } | { last: number };

export interface ReadOptions {
  topic: string;
  from: ReadFrom;
  /** Keep reading past the end offsets found at the start, until the signal aborts. */
  follow: boolean;
  signal: AbortSignal;
  /** Only these partitions (default: all). */
  partitions?: readonly number[];
  /** Bytes a fetch brings at most (default: 4 MB a partition, kafkajs' 10 MB in all): less holds less in memory. */
  fetchBytes?: number;
  /** Called once the topic is found and the start positions are known, before the first message. */
  onStart?(): void;
}

/** Restarts of the client after retriable failures (a broker away) before the read gives up. */
const MAX_RESTARTS = 5;

export interface ReadBatch {
  partition: number;
  messages: KafkaMessage[];
}

/** Per partition: the offset to start at, and the end offset at the start of the read. */
async function positions(admin: Admin, topic: string, from: ReadFrom): Promise<Map<number, { start: number; end: number }>> {
  const offsets = await admin.fetchTopicOffsets(topic);
  const atTime = typeof from === "object" && "time" in from ? await admin.fetchTopicOffsetsByTimestamp(topic, from.time) : [];
  const out = new Map<number, { start: number; end: number }>();
  for (const p of offsets) {
    const low = Number(p.low);
    const end = Number(p.high);
    let start = low;
    if (from === "latest") start = end;
    else if (typeof from === "object" && "last" in from) start = Math.max(low, end - from.last);
    else if (typeof from === "object") start = Math.max(low, Number(atTime.find((t) => t.partition === p.partition)?.offset ?? end));
    out.set(p.partition, { start, end });
  }
  return out;
}

/**
 * Yields the topic's messages a fetched batch at a time, in offset order per partition. Without `follow` it ends
 * once every partition has reached the end offset it had when the read began.
 */
export async function* readMessages(kafka: Kafka, o: ReadOptions): AsyncGenerator<ReadBatch> {
  patchCompactedBatches();
  const admin = kafka.admin();
  await admin.connect();
  // Unique even for readers started in the same millisecond: two readers in one group would split the partitions.
  const groupId = `stockpipe-reader-${process.pid}-${Date.now()}-${randomBytes(4).toString("hex")}`;
  try {
    await requireTopic(admin, o.topic);
    const where = await positions(admin, o.topic, o.from);
    if (o.partitions) for (const p of [...where.keys()]) if (!o.partitions.includes(p)) where.delete(p);
    const pending = new Set([...where].filter(([, p]) => p.start < p.end).map(([partition]) => partition));
    o.onStart?.();
    if (!o.follow && pending.size === 0) return;
    yield* consume(kafka, groupId, o, where, pending);
  } finally {
    // The group is throwaway: remove it so it does not linger in the group list.
    await admin.deleteGroups([groupId]).catch(() => {});
    await admin.disconnect().catch(() => {});
  }
}

async function* consume(
  kafka: Kafka,
  groupId: string,
  o: ReadOptions,
  where: Map<number, { start: number; end: number }>,
  pending: Set<number>,
): AsyncGenerator<ReadBatch> {
  const queue: ReadBatch[] = [];
  let wake: (() => void) | undefined;
  let failure: unknown;
  const done = () => (!o.follow && pending.size === 0) || o.signal.aborted || failure !== undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const reached = (partition: number, lastOffset: string) => {
    const at = where.get(partition);
    if (at && Number(lastOffset) + 1 >= at.end) pending.delete(partition);
  };
  // Per partition, the first offset not yet queued: where a (re)joined consumer is put.
  const next = new Map([...where].map(([partition, p]) => [partition, p.start]));
  const fetch = o.fetchBytes
    ? { maxBytes: o.fetchBytes, maxBytesPerPartition: Math.min(o.fetchBytes, 4 * 2 ** 20) }
    : { maxBytesPerPartition: 4 * 2 ** 20 };
  const consumer = kafka.consumer({ groupId, ...fetch, maxWaitTimeInMs: 250 });
  const onAbort = () => notify();
  o.signal.addEventListener("abort", onAbort);
  let restarts = 0;
  try {
    // Positions are set each time the consumer joins its group, not once after run(): a consumer that could not
    // join (a broker just back) restarts with a new group and would otherwise read from the beginning — and a seek
    // before the join is refused.
    consumer.on(consumer.events.GROUP_JOIN, () => {
      for (const [partition, offset] of next) consumer.seek({ topic: o.topic, partition, offset: String(offset) });
    });
    // A batch of transaction markers only (a transactional topic's last offset is a marker) never reaches
    // eachBatch: its end is seen here.
    consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
      if (e.payload.topic === o.topic) {
        reached(e.payload.partition, e.payload.lastOffset);
        notify();
      }
    });
    consumer.on(consumer.events.CRASH, (e) => {
      // The client restarts itself after a retriable failure; the read goes on from where it was, a few times.
      if (e.payload.restart && ++restarts <= MAX_RESTARTS) return;
      failure = e.payload.error;
      notify();
    });
    await consumer.connect();
    await consumer.subscribe({ topic: o.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const from = next.get(batch.partition);
        const at = where.get(batch.partition);
        if (from === undefined || !at) return;
        // A fetch that left before the seek took effect can bring messages before the start (or, after a restart,
        // again): they are not asked for.
        const messages = batch.messages.filter((m) => Number(m.offset) >= from && (o.follow || Number(m.offset) < at.end));
        if (messages.length) {
          queue.push({ partition: batch.partition, messages });
          next.set(batch.partition, Number(messages[messages.length - 1]?.offset) + 1);
        }
        reached(batch.partition, batch.lastOffset());
        notify();
        // Back-pressure: the next fetch waits until the reader has taken this one.
        while (queue.length > 0 && !done()) await new Promise<void>((r) => setTimeout(r, 5));
      },
    });
    while (!done() || queue.length > 0) {
      const batch = queue.shift();
      if (batch) {
        yield batch;
        continue;
      }
      if (done()) break;
      await new Promise<void>((r) => {
        wake = r;
      });
    }
    if (failure !== undefined) throw failure;
  } finally {
    o.signal.removeEventListener("abort", onAbort);
    await consumer.disconnect().catch(() => {});
  }
}
