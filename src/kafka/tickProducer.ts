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

export function tickMessage(tick: Tick): Message {
  return {
    key: tick.symbol,
    value: encodeTick(tick),
    headers: { schema: TICK_SCHEMA, "produced-at": (performance.timeOrigin + performance.now()).toFixed(3) },
  };
}

export interface TickProducer {
  batching: BatchingProducer;
  disconnect(): Promise<void>;
}

export async function connectTickProducer(
  ctx: CommandContext,
  options: { topic: string; createTopic: boolean } & Pick<BatchingOptions, "onDelivered" | "onRetry">,
): Promise<TickProducer> {
  const p = ctx.config.producer;
  const kafka = createKafka(ctx.config, { retries: 3 });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const topics = await admin.listTopics();
    if (!topics.includes(options.topic)) {
      if (!options.createTopic) {
        throw new RuntimeError(`topic ${options.topic} does not exist`, { hint: `run \`stockpipe topic create ${options.topic}\`, or pass --create-topic` });
      }
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic: options.topic, numPartitions: ctx.config.kafka.partitions, replicationFactor: ctx.config.kafka.replicationFactor }] });
    }
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
  return { batching, disconnect: () => producer.disconnect().catch(() => {}) };
}
