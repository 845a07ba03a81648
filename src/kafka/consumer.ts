/**
 * The consumer loop, the heart of the pipeline: fetch a batch → decode and validate each message (bad ones to
 * the DLQ with the reason) → sink.write(valid) → only then commit the offsets. A failing sink is retried with
 * backoff while the partition waits; nothing is committed past an unwritten row. At-least-once delivery plus
 * idempotent sink writes gives each tick exactly once in the sink, across crashes, rebalances and replays.
 */
import type { Admin, Consumer, EachBatchPayload, Kafka } from "kafkajs";
import { setTimeout as sleep } from "node:timers/promises";
import { RuntimeError, UsageError } from "../errors";
import { log } from "../ui/log";
import type { Tick } from "../model/tick";
import { classifyMessage } from "./classify";
import type { Sink } from "../sinks/types";
import { DeadLetterQueue, type DeadLetter } from "./dlq";
import { backoffMs } from "../util/bounded";
import { partitionLag } from "./lag";
import type { LatencyRecorder } from "./latency";

export interface ConsumeOptions {
  kafka: Kafka;
  topic: string;
  group: string;
  /** earliest | latest | ISO time: where a group without committed offsets starts (always, with reset). */
  from: string;
  reset: boolean;
  exitAtEnd: boolean;
  sink: Sink;
  batchSize: number;
  partitionsConcurrently: number;
  maxMessageBytes: number;
  /** Records each row's latency from event time to durable (write-through sinks only), with its stages. */
  latency?: LatencyRecorder;
  signal: AbortSignal;
  onProgress(p: { consumed: number; written: number; dlq: number; lag: number }): void;
  onRetry(error: Error, attempt: number, delayMs: number): void;
}

export interface ConsumeResult {
  consumed: number;
  written: number;
  dlq: number;
  dlqByReason: Record<string, number>;
  stoppedBy: "caught up" | "interrupted";
  /** From the first fetched batch to the last commit (including a buffering sink's final flush). */
  drainSeconds: number;
}

export function parseFrom(from: string): "earliest" | "latest" | number {
  if (from === "earliest" || from === "latest") return from;
  const ms = Date.parse(from);
  if (Number.isNaN(ms)) throw new UsageError(`--from ${from} must be earliest, latest or an ISO-8601 time`);
  return ms;
}

/**
 * Sets the group's starting offsets when it has none (or always, with reset). A new group starting at earliest
 * or latest needs nothing set: the subscription's fromBeginning covers it, and setting offsets would fail while
 * a crashed member of the group is still waiting out its session.
 */
async function positionGroup(admin: Admin, topic: string, group: string, from: ReturnType<typeof parseFrom>, reset: boolean): Promise<void> {
  const committed = (await admin.fetchOffsets({ groupId: group, topics: [topic] }))[0]?.partitions ?? [];
  const hasOffsets = committed.some((p) => Number(p.offset) >= 0);
  if (hasOffsets && !reset) return;
  if (!reset && (from === "earliest" || from === "latest")) return;
  try {
    if (from === "earliest" || from === "latest") {
      await admin.resetOffsets({ groupId: group, topic, earliest: from === "earliest" });
    } else {
      const offsets = await admin.fetchTopicOffsetsByTimestamp(topic, from);
      await admin.setOffsets({ groupId: group, topic, partitions: offsets.map((o) => ({ partition: o.partition, offset: o.offset })) });
    }
  } catch (err) {
    if (/running instances/.test((err as Error).message)) {
      throw new RuntimeError(`cannot move group ${group} to --from ${typeof from === "number" ? new Date(from).toISOString() : from}: it has members (a running consumer, or a crashed one whose session has not expired yet)`, {
        hint: "stop the other consumers of this group, or wait for the session timeout (30 s) and try again",
      });
    }
    throw err;
  }
}

async function lagOf(admin: Admin, topic: string, group: string): Promise<number> {
  return (await partitionLag(admin, topic, group)).reduce((sum, p) => sum + p.lag, 0);
}

export async function consume(o: ConsumeOptions): Promise<ConsumeResult> {
  const from = parseFrom(o.from);
  const admin = o.kafka.admin();
  await admin.connect();
  const meta = await admin.fetchTopicMetadata({ topics: [o.topic] });
  await positionGroup(admin, o.topic, o.group, from, o.reset);
  const dlq = new DeadLetterQueue(o.kafka, o.topic);
  await dlq.open(meta.topics[0]?.partitions.length ?? 1);
  await o.sink.open();

  const result: ConsumeResult = { consumed: 0, written: 0, dlq: 0, dlqByReason: {}, stoppedBy: "caught up", drainSeconds: 0 };
  let firstBatchAt: number | undefined;
  const lagByPartition = new Map<number, number>();
  const totalLag = () => [...lagByPartition.values()].reduce((a, b) => a + b, 0);
  const consumer: Consumer = o.kafka.consumer({
    groupId: o.group,
    maxBytesPerPartition: 16 * 1024 * 1024,
    maxBytes: 64 * 1024 * 1024,
    maxWaitTimeInMs: 250,
    sessionTimeout: 30_000,
    heartbeatInterval: 3000,
  });
  await consumer.connect();
  await consumer.subscribe({ topic: o.topic, fromBeginning: from === "earliest" });

  // What has been handled per partition, and what was last committed: a buffering sink commits less than it handled.
  const nextByPartition = new Map<number, string>();
  const committed = new Map<number, string>();
  /** Every partition of the topic handled up to its end (a buffering sink may still hold rows). */
  const handledEverything = async () =>
    (await partitionLag(admin, o.topic, o.group)).every((p) => {
      const next = nextByPartition.get(p.partition);
      return p.lag === 0 || (next !== undefined && Number(next) >= p.latest);
    });
  /** Commits, in one request, every partition whose durable offset moved since its last commit. */
  const commitAll = async () => {
    const offsets: { topic: string; partition: number; offset: string }[] = [];
    for (const [partition, next] of nextByPartition) {
      const offset = o.sink.committable?.(partition) ?? next;
      if (committed.get(partition) !== offset) offsets.push({ topic: o.topic, partition, offset });
    }
    if (offsets.length === 0) return;
    await consumer.commitOffsets(offsets);
    for (const c of offsets) committed.set(c.partition, c.offset);
    if (firstBatchAt !== undefined) result.drainSeconds = Math.round((performance.now() - firstBatchAt) / 10) / 100;
  };
  // Commits go out in the background, one request at a time carrying every partition that moved: a batch does
  // not wait for its commit, and a stream of small batches costs one commit per round trip, not one per batch
  // and partition. Only durable offsets are ever committed; a commit lost to a crash or a rebalance means those
  // batches are read (and idempotently written) again.
  let committing: Promise<void> | undefined;
  let commitAgain = false;
  const commitSoon = () => {
    if (committing) {
      commitAgain = true;
      return;
    }
    committing = (async () => {
      do {
        commitAgain = false;
        await commitAll();
      } while (commitAgain);
    })()
      .catch((err) => log.debug(`commit failed, the batches after the last commit will be read again: ${(err as Error).message}`))
      .finally(() => (committing = undefined));
  };
  /** Waits for the background commit, then commits what is left. */
  const commitNow = async () => {
    while (committing) await committing;
    await commitAll();
  };

  const handle = async ({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload) => {
    const messages = batch.messages;
    firstBatchAt ??= performance.now();
    const fetchedAt = o.latency ? performance.timeOrigin + performance.now() : 0;
    for (let start = 0; start < messages.length; start += o.batchSize) {
      if (!isRunning() || isStale()) return;
      const chunk = messages.slice(start, start + o.batchSize);
      const ticks: Tick[] = [];
      const tickOffsets: string[] = [];
      const tickValues: string[] = [];
      const producedAt: number[] | undefined = o.latency ? [] : undefined;
      const sentAt: number[] = [];
      const dead: DeadLetter[] = [];
      for (const m of chunk) {
        const c = classifyMessage(m, o.maxMessageBytes);
        if (c.ok) {
          ticks.push(c.tick);
          tickOffsets.push(m.offset);
          // Kept as received for sinks that store the JSON; one line per tick, so re-encode anything multi-line.
          tickValues.push(c.text.includes("\n") ? JSON.stringify(c.tick) : c.text);
          if (producedAt) {
            producedAt.push(Number(m.headers?.["produced-at"]?.toString() ?? Number.NaN));
            sentAt.push(Number(m.timestamp));
          }
        } else {
          dead.push({ message: m, partition: batch.partition, reason: c.reason, detail: c.detail });
        }
      }
      // Write (and dead-letter) until it works: nothing past this chunk is committed before it is durable.
      // Heartbeats go on meanwhile, so a slow write does not cost the group membership.
      const beat = setInterval(() => void heartbeat().catch(() => {}), 3000);
      try {
        for (let attempt = 1; ; attempt++) {
          try {
            await dlq.send(dead);
            const nextOffset = (BigInt(chunk[chunk.length - 1]!.offset) + 1n).toString();
            await o.sink.write(ticks, { topic: batch.topic, partition: batch.partition, offsets: tickOffsets, values: tickValues, nextOffset });
            o.latency?.record(ticks, producedAt!, sentAt, fetchedAt);
            break;
          } catch (err) {
            if (o.signal.aborted && attempt > 1) throw err;
            const delay = backoffMs(attempt);
            o.onRetry(err as Error, attempt, delay);
            await sleep(delay);
          }
        }
      } finally {
        clearInterval(beat);
      }
      const last = chunk[chunk.length - 1]!;
      resolveOffset(last.offset);
      const next = (BigInt(last.offset) + 1n).toString();
      nextByPartition.set(batch.partition, next);
      // Interrupted: the batch in hand commits before it returns, while this consumer is still in the group.
      if (o.signal.aborted) await commitNow().catch(() => {});
      else commitSoon();
      result.consumed += chunk.length;
      result.written += ticks.length;
      result.dlq += dead.length;
      for (const d of dead) result.dlqByReason[d.reason] = (result.dlqByReason[d.reason] ?? 0) + 1;
      lagByPartition.set(batch.partition, Math.max(0, Number(batch.highWatermark) - Number(last.offset) - 1));
      o.onProgress({ consumed: result.consumed, written: result.written, dlq: result.dlq, lag: totalLag() });
      await heartbeat();
    }
  };

  await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: o.partitionsConcurrently, eachBatch: handle });

  // Run until interrupted, or (with --exit-at-end) until the group's committed offsets reach the end.
  // A buffering sink flushes idle partitions here, and everything once all that was fetched is handled.
  try {
    while (!o.signal.aborted) {
      await sleep(500, undefined, { signal: o.signal }).catch(() => {});
      if (o.signal.aborted) break;
      try {
        if (o.sink.flushIdle && (await o.sink.flushIdle((p) => lagByPartition.get(p) === 0)).length > 0) await commitNow();
        if (o.exitAtEnd && o.sink.flush && nextByPartition.size > 0 && (await handledEverything())) {
          await o.sink.flush();
          await commitNow();
        } else if (o.exitAtEnd) await commitNow();
      } catch (err) {
        // A rebalance can take the partitions away between flush and commit: the next owner re-reads them.
        log.debug(`commit after flush failed: ${(err as Error).message}`);
      }
      if (o.exitAtEnd && (await lagOf(admin, o.topic, o.group)) === 0) break;
    }
    if (o.signal.aborted) {
      result.stoppedBy = "interrupted";
      // Finish what is in hand: write out buffers and commit them while still in the group. Anything a batch
      // buffers after this flush is not committed, and is read again next time.
      if (o.sink.flush) await o.sink.flush();
      await commitNow().catch(() => {});
    }
  } finally {
    await consumer.disconnect().catch(() => {});
    await dlq.close();
    await o.sink.close();
    await admin.disconnect().catch(() => {});
  }
  return result;
}

