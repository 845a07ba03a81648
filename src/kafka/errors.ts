/** kafkajs errors as one clear line naming the brokers, where they came from, and the fix. */
import { RuntimeError, StockpipeError } from "../errors";
import type { CommandContext } from "../commands/context";

const UNREACHABLE = ["KafkaJSConnectionError", "KafkaJSBrokerNotFound", "KafkaJSConnectionClosedError", "KafkaJSRequestTimeoutError"];

function rootCause(err: unknown): Error & { type?: string; name: string } {
  let e = err as Error & { originalError?: Error; cause?: unknown; retriable?: boolean };
  while (e && (e.name === "KafkaJSNumberOfRetriesExceeded" || e.name === "KafkaJSNonRetriableError") && (e.originalError || e.cause)) {
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return e;
}

export function kafkaError(err: unknown, ctx: CommandContext, doing: string): StockpipeError {
  if (err instanceof StockpipeError) return err;
  const cause = rootCause(err);
  const brokers = ctx.config.kafka.brokers.join(",");
  const origin = ctx.loaded.origins.get("kafka.brokers") ?? "default";
  if (UNREACHABLE.includes(cause?.name) || /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|Connection timeout/.test(cause?.message ?? "")) {
    return new RuntimeError(`cannot reach Kafka at ${brokers} (kafka.brokers from ${origin}) while trying to ${doing}: ${cause.message}`, {
      hint: "run `stockpipe local up`, or point STOCKPIPE_KAFKA_BROKERS / --brokers at your cluster",
      retriable: true,
      cause: err,
    });
  }
  // createTopics and friends wrap the per-topic errors in a KafkaJSAggregateError.
  const inner = (cause as { errors?: { message: string; type?: string }[] }).errors;
  const detail = inner?.length ? inner.map((e) => `${e.message}${e.type ? ` (${e.type})` : ""}`).join("; ") : `${cause?.message ?? String(err)}${cause?.type ? ` (${cause.type})` : ""}`;
  const hint = /INVALID_CONFIG/.test(detail) ? "check the --topic-config entries: names and values as in Kafka's topic configuration reference" : undefined;
  return new RuntimeError(`Kafka refused to ${doing}: ${detail}`, { cause: err, hint });
}
