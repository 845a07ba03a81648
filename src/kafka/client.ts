/** The kafkajs client from config. kafkajs' own logging goes to our debug log, never to the user's screen. */
import { readFileSync } from "node:fs";
import kafkajs, { type Kafka, type KafkaConfig } from "kafkajs";

// kafkajs is CommonJS: its runtime values come through the default export.
const { Kafka: KafkaClient, logLevel: KafkaLogLevel } = kafkajs;

import type { ResolvedConfig } from "../config/schema";
import { enabled, log } from "../log";
import { patchCompactedBatches } from "./compacted";
import { saslOptions } from "./sasl";

export function createKafka(config: ResolvedConfig, options: { retries?: number } = {}): Kafka {
  patchCompactedBatches();
  const k = config.kafka;
  const ssl = k.ssl.enabled
    ? {
        rejectUnauthorized: k.ssl.rejectUnauthorized,
        ca: k.ssl.ca ? [readFileSync(k.ssl.ca, "utf8")] : undefined,
        cert: k.ssl.cert ? readFileSync(k.ssl.cert, "utf8") : undefined,
        key: k.ssl.key ? readFileSync(k.ssl.key, "utf8") : undefined,
      }
    : undefined;
  const sasl = saslOptions(config);
  const kafkaConfig: KafkaConfig = {
    clientId: k.clientId,
    brokers: k.brokers,
    ssl,
    sasl,
    connectionTimeout: k.connectionTimeoutMs,
    retry: { retries: options.retries ?? 5, initialRetryTime: 200, maxRetryTime: 5000 },
    logLevel: enabled("debug") ? KafkaLogLevel.DEBUG : KafkaLogLevel.NOTHING,
    logCreator: () => (entry) => log.debug(`[kafkajs ${entry.namespace}] ${entry.log.message}`),
  };
  return new KafkaClient(kafkaConfig);
}
