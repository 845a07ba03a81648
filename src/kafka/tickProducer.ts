/** A connected, batching producer of tick v1 messages for one topic. */
import kafkajs, { type Message } from "kafkajs";
import type { CommandContext } from "../commands/context";
import { RuntimeError } from "../errors";
import { encodeTick, TICK_SCHEMA, type Tick } from "../model/tick";
import { createKafka } from "./client";
import { kafkaError } from "./errors";
import { BatchingProducer, type BatchingOptions } from "./producer";

const { Partitioners } = kafkajs;
const ACKS = { all: -1, leader: 1, none: 0 } as const;

/** A protocol error the broker will repeat however often we retry (too large, not authorised, invalid). */
export function isRetriableKafkaError(err: unknown): boolean {
  let e = err as { name?: string; retriable?: boolean; originalError?: unknown; cause?: unknown } | undefined;
  while (e) {
    if (e.name === "KafkaJSProtocolError" && e.retriable === false) return false;
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return true;
}

/** Java-compatible partitioning (murmur2 of the key), done here so the batcher can keep each partition in order. */
export function keyPartitioner(partitions: number): (key: string) => number {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitions }, (_, i) => ({ partitionId: i, leader: 0, replicas: [], isr: [], partitionErrorCode: 0 }));
  const cache = new Map<string, number>();
  return (key) => {
    let p = cache.get(key);
    if (p === undefined) {
      p = partitioner({ topic: "", partitionMetadata, message: { key, value: null } });
      if (cache.size < 100_000) cache.set(key, p);
    }
    return p;
  };
}

export function tickMessage(tick: Tick, partition?: number): Message {
  return {
    partition,
    key: tick.symbol,
    value: encodeTick(tick),
    headers: { schema: TICK_SCHEMA, "produced-at": (performance.timeOrigin + performance.now()).toFixed(3) },
  };
}

export interface TickProducer {
  batching: BatchingProducer;
  /** The message for a tick, with its partition assigned. */
  message(tick: Tick): Message;
  disconnect(): Promise<void>;
}

export async function connectTickProducer(
  ctx: CommandContext,
  options: { topic: string; createTopic: boolean } & Pick<BatchingOptions, "onDelivered" | "onRetry">,
): Promise<TickProducer> {
  const p = ctx.config.producer;
  const kafka = createKafka(ctx.config, { retries: 3 });
  let partitions = 1;
  const admin = kafka.admin();
  try {
    await admin.connect();
    const topics = await admin.listTopics();
    partitions = ctx.config.kafka.partitions;
    if (!topics.includes(options.topic)) {
      if (!options.createTopic) {
        throw new RuntimeError(`topic ${options.topic} does not exist`, { hint: `run \`stockpipe topic create ${options.topic}\`, or pass --create-topic` });
      }
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic: options.topic, numPartitions: ctx.config.kafka.partitions, replicationFactor: ctx.config.kafka.replicationFactor }] });
    }
    const meta = await admin.fetchTopicMetadata({ topics: [options.topic] });
    partitions = meta.topics[0]?.partitions.length || partitions;
  } catch (err) {
    throw kafkaError(err, ctx, `prepare topic ${options.topic}`);
  } finally {
    await admin.disconnect().catch(() => {});
  }
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
    idempotent: p.idempotent,
    maxInFlightRequests: p.idempotent ? 1 : undefined,
    retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
  });
  try {
    await producer.connect();
  } catch (err) {
    throw kafkaError(err, ctx, "connect a producer");
  }
  const batching = new BatchingProducer(producer, {
    topic: options.topic,
    batchSize: p.batchSize,
    lingerMs: p.lingerMs,
    maxInFlight: p.idempotent ? 1 : p.maxInFlight,
    acks: p.idempotent ? -1 : ACKS[p.acks],
    compression: p.compression,
    bufferMax: p.bufferMax,
    isRetriable: isRetriableKafkaError,
    onDelivered: options.onDelivered,
    onRetry: options.onRetry,
  });
  const partitionOf = keyPartitioner(partitions);
  return { batching, message: (tick) => tickMessage(tick, partitionOf(tick.symbol)), disconnect: () => producer.disconnect().catch(() => {}) };
}
