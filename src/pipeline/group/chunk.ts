/**
 * A chunk: up to `batchSize` messages of one fetched batch, classified — valid records by kind, bad messages as
 * dead letters with their reason. The runner cuts and classifies; a handler only sees chunks.
 */
import type { Batch, KafkaMessage } from "kafkajs";
import { classifyMessage } from "../../kafka/classify";
import type { DeadLetter } from "../../kafka/dlq";
import type { Alert } from "../../model/alert";
import type { Bar } from "../../model/bar";
import type { KindName, Received } from "../../model/kinds";
import type { Tick } from "../../model/tick";

export interface Chunk {
  topic: string;
  partition: number;
  /** The chunk's messages as fetched, valid and bad, in offset order. */
  messages: KafkaMessage[];
  /**
   * Valid ticks (the bulk of the traffic) as parallel arrays: the tick, its offset, its JSON on one line. Decoded
   * off the main thread for a store that takes lines (lines.ts), `ticks` stays empty and `tickMs` has each tick's
   * event time instead.
   */
  ticks: Tick[];
  tickOffsets: string[];
  tickValues: string[];
  /** Each tick's event time (epoch ms) when the ticks came as lines only; else empty. */
  tickMs: number[];
  bars: Received<Bar>[];
  alerts: Received<Alert>[];
  dead: DeadLetter[];
  /** With `withTimes`: each tick's `produced-at` header and Kafka timestamp (epoch ms), for latency. */
  producedAt: number[];
  sentAt: number[];
  /** Offset after the last message of the chunk (past trailing control records): the partition's next position. */
  nextOffset: string;
  /** The partition's high watermark when the batch was fetched. */
  highWatermark: string;
  /** Nothing more was waiting in the partition when the batch was fetched. */
  caughtUp: boolean;
  /** With `withTimes`: when the batch was fetched (epoch ms); else 0. */
  fetchedAt: number;
}

export interface ClassifyOptions {
  maxMessageBytes: number;
  /** Record kinds the handler takes; any other kind is a dead letter ("wrong schema"). Default: all. */
  accepted?: readonly KindName[];
  /** Keep each tick's produced-at and Kafka timestamps. */
  withTimes?: boolean;
  /** The batch's last offset, when this chunk ends the batch: control records after it are moved past too. */
  endOffset?: string;
}

export function classifyChunk(
  batch: Pick<Batch, "topic" | "partition" | "highWatermark">,
  messages: KafkaMessage[],
  o: ClassifyOptions,
): Chunk {
  const out = chunkOf(batch, messages, o.endOffset);
  for (const m of messages) {
    const c = classifyMessage(m, o.maxMessageBytes, o.accepted);
    if (!c.ok) {
      out.dead.push({ message: m, partition: batch.partition, reason: c.reason, detail: c.detail });
      continue;
    }
    if (c.kind === "bar") {
      out.bars.push({ record: c.bar, offset: m.offset, value: c.text });
      continue;
    }
    if (c.kind === "alert") {
      out.alerts.push({ record: c.alert, offset: m.offset, value: c.text });
      continue;
    }
    out.ticks.push(c.tick);
    out.tickOffsets.push(m.offset);
    // One line per record, for stores that keep the JSON as it is: re-encode anything multi-line.
    out.tickValues.push(c.text.includes("\n") ? JSON.stringify(c.tick) : c.text);
    if (o.withTimes) {
      out.producedAt.push(Number(m.headers?.["produced-at"]?.toString() ?? Number.NaN));
      out.sentAt.push(Number(m.timestamp));
    }
  }
  return out;
}

/**
 * Moves the ticks `problemOf` finds a problem with (by index into `c.ticks`) to the chunk's dead letters, keeping
 * the parallel arrays in step. Returns how many moved.
 */
export function rejectTicks(c: Chunk, problemOf: (index: number) => { reason: string; detail: string } | undefined): number {
  const byOffset = new Map(c.messages.map((m) => [m.offset, m]));
  let kept = 0;
  for (let i = 0; i < c.ticks.length; i++) {
    const problem = problemOf(i);
    if (problem) {
      c.dead.push({ message: byOffset.get(c.tickOffsets[i]!)!, partition: c.partition, ...problem });
      continue;
    }
    c.ticks[kept] = c.ticks[i]!;
    c.tickOffsets[kept] = c.tickOffsets[i]!;
    c.tickValues[kept] = c.tickValues[i]!;
    if (c.producedAt.length) {
      c.producedAt[kept] = c.producedAt[i]!;
      c.sentAt[kept] = c.sentAt[i]!;
    }
    kept++;
  }
  const moved = c.ticks.length - kept;
  for (const a of [c.ticks, c.tickOffsets, c.tickValues]) a.length = kept;
  if (c.producedAt.length) {
    c.producedAt.length = kept;
    c.sentAt.length = kept;
  }
  return moved;
}

/** A chunk of `messages`, nothing classified yet: it moves the partition past them (and past `endOffset`). */
export function chunkOf(batch: Pick<Batch, "topic" | "partition" | "highWatermark">, messages: KafkaMessage[], endOffset?: string): Chunk {
  const last = messages[messages.length - 1]!;
  let next = BigInt(last.offset) + 1n;
  if (endOffset !== undefined && BigInt(endOffset) + 1n > next) next = BigInt(endOffset) + 1n;
  const out = emptyChunk(batch, next.toString());
  out.messages = messages;
  return out;
}

/** A chunk with no messages that moves the partition to `nextOffset` (a batch of control records only). */
export function emptyChunk(b: Pick<Batch, "topic" | "partition" | "highWatermark">, nextOffset: string): Chunk {
  return {
    topic: b.topic,
    partition: b.partition,
    messages: [],
    ticks: [],
    tickOffsets: [],
    tickValues: [],
    tickMs: [],
    bars: [],
    alerts: [],
    dead: [],
    producedAt: [],
    sentAt: [],
    nextOffset,
    highWatermark: b.highWatermark,
    caughtUp: BigInt(b.highWatermark) <= BigInt(nextOffset),
    fetchedAt: 0,
  };
}

/** Records in the chunk that a store takes (everything valid). */
export function validCount(c: Chunk): number {
  return c.tickOffsets.length + c.bars.length + c.alerts.length;
}

/**
 * Several chunks of one partition, in offset order, as one: their records one after another, the last one's
 * position. (Writing ahead coalesces the chunks that queued up behind a write in flight into one write.)
 */
export function mergeChunks(chunks: readonly Chunk[]): Chunk {
  if (chunks.length === 1) return chunks[0]!;
  const first = chunks[0]!;
  const last = chunks[chunks.length - 1]!;
  const all = <T>(pick: (c: Chunk) => T[]): T[] => chunks.flatMap(pick);
  return {
    topic: first.topic,
    partition: first.partition,
    messages: all((c) => c.messages),
    ticks: all((c) => c.ticks),
    tickOffsets: all((c) => c.tickOffsets),
    tickValues: all((c) => c.tickValues),
    tickMs: all((c) => c.tickMs),
    bars: all((c) => c.bars),
    alerts: all((c) => c.alerts),
    dead: all((c) => c.dead),
    producedAt: all((c) => c.producedAt),
    sentAt: all((c) => c.sentAt),
    nextOffset: last.nextOffset,
    highWatermark: last.highWatermark,
    caughtUp: last.caughtUp,
    fetchedAt: first.fetchedAt,
  };
}
