/** A connected, batching producer of tick v1 messages for one topic. */
import kafkajs, { type Message } from "kafkajs";
import type { LoadedConfig } from "../config/loader";
import { encodeTick, TICK_SCHEMA, type Tick } from "../model/tick";
import { createKafka } from "./client";
import { kafkaError } from "./errors";
import { keyPartitioner } from "./partitioner";
import { type BatchingOptions, BatchingProducer, type MessageSink } from "./producer";
import { ProducerPool, workerScript } from "./producerPool";
import { isRetriableKafkaError } from "./retriable";
import { ensureTopic, partitionCount, requireTopic, withAdmin } from "./topics";

const { Partitioners } = kafkajs;
const ACKS = { all: -1, leader: 1, none: 0 } as const;

export function tickMessage(tick: Tick, partition?: number): Message {
  return {
    partition,
    key: tick.symbol,
    value: encodeTick(tick),
    headers: { schema: TICK_SCHEMA, "produced-at": (performance.timeOrigin + performance.now()).toFixed(3) },
  };
}

export interface TickProducer {
  batching: MessageSink;
  /** Queues a tick (keyed by symbol, partition assigned); waits only while the buffer is full. */
  send(tick: Tick): Promise<void>;
  disconnect(): Promise<void>;
}

/**
 * Below this rate one thread keeps up with room to spare (it tops out near 40,000/s here), and worker threads
 * would only add the cost of handing every message over (measured: +50% CPU at 17,000/s).
 */
export const WORKERS_ABOVE_RATE = 20_000;

export async function connectTickProducer(
  loaded: LoadedConfig,
  target: {
    topic: string;
    createTopic: boolean /** The most ticks/s the caller sends; undefined: as fast as it can. */;
    rate?: number;
  } & Pick<BatchingOptions, "onDelivered" | "onRetry">,
): Promise<TickProducer> {
  const config = loaded.config;
  const p = config.producer;
  const partitions = await withAdmin(loaded, `prepare topic ${target.topic}`, async (admin) => {
    if (target.createTopic)
      await ensureTopic(admin, {
        name: target.topic,
        partitions: config.kafka.partitions,
        replicationFactor: config.kafka.replicationFactor,
      });
    else await requireTopic(admin, target.topic);
    return partitionCount(admin, target.topic);
  });
  const kafka = createKafka(config, { retries: 3 });
  const options: BatchingOptions = {
    topic: target.topic,
    batchSize: p.batchSize,
    lingerMs: p.lingerMs,
    maxInFlight: p.idempotent ? 1 : p.maxInFlight,
    acks: p.idempotent ? -1 : ACKS[p.acks],
    compression: p.compression,
    bufferMax: p.bufferMax,
    isRetriable: isRetriableKafkaError,
    onDelivered: target.onDelivered,
    onRetry: target.onRetry,
  };
  const script = workerScript();
  const partitionOf = keyPartitioner(partitions);
  const message = (tick: Tick) => tickMessage(tick, partitionOf(tick.symbol));
  const useWorkers = p.workers > 0 && (target.rate === undefined || target.rate > WORKERS_ABOVE_RATE);
  if (useWorkers && script) {
    try {
      const pool = await ProducerPool.start(script, p.workers, config, options);
      return { batching: pool, send: (tick) => pool.send(message(tick)), disconnect: () => pool.close() };
    } catch (err) {
      throw kafkaError(err, loaded, "connect a producer");
    }
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
    throw kafkaError(err, loaded, "connect a producer");
  }
  const batching = new BatchingProducer(producer, options);
  return { batching, send: (tick) => batching.send(message(tick)), disconnect: () => producer.disconnect().catch(() => {}) };
}
