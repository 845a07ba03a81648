/**
 * A produce worker thread: one kafkajs producer and its BatchingProducer. kafkajs encodes every record in
 * JavaScript; running it in worker threads lets the encoding of different partitions use different cores.
 * Messages arrive from the pool already partitioned; each worker owns a fixed set of partitions, so order per
 * partition is kept.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { ResolvedConfig } from "../config/schema";
import { TICK_SCHEMA } from "../model/tick";
import { quietKnownWarnings } from "../util/warnings";
import { createKafka } from "./client";
import { type BatchingOptions, BatchingProducer } from "./producer";
import { isRetriableKafkaError } from "./retriable";
import { type FromWorker, type ToWorker, unpackChunk } from "./workerProtocol";

quietKnownWarnings();
const data = workerData as { config: ResolvedConfig; options: Omit<BatchingOptions, "onDelivered" | "onRetry" | "isRetriable"> };
const post = (m: FromWorker) => parentPort!.postMessage(m);

async function main(): Promise<void> {
  const kafka = createKafka(data.config, { retries: 3 });
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    idempotent: data.config.producer.idempotent,
    maxInFlightRequests: data.config.producer.idempotent ? 1 : undefined,
    retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
  });
  await producer.connect();
  const batching = new BatchingProducer(producer, {
    ...data.options,
    isRetriable: isRetriableKafkaError,
    onDelivered: (n, ms) => post({ t: "delivered", n, ms }),
    onRetry: (e, attempt, delayMs) => post({ t: "retry", message: e.message, attempt, delayMs }),
  });
  // Handle messages strictly one after another, so batches keep their order.
  let chain = Promise.resolve();
  parentPort!.on("message", (m: ToWorker) => {
    chain = chain.then(async () => {
      try {
        if (m.t === "batch") {
          for (const { partition, key, value, producedAt } of unpackChunk(m.chunk)) {
            await batching.send({ partition, key, value, headers: { schema: TICK_SCHEMA, "produced-at": producedAt } });
          }
        } else if (m.t === "flush") {
          await batching.flush();
          post({ t: "flushed" });
        } else if (m.t === "close") {
          batching.abandon();
          await producer.disconnect().catch(() => {});
          post({ t: "closed" });
        }
      } catch (err) {
        post({ t: "error", message: (err as Error).message });
      }
    });
  });
  post({ t: "ready" });
}

main().catch((err) => post({ t: "error", message: (err as Error).message, startup: true }));
