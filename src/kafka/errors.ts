/** kafkajs errors as one clear line naming the brokers, where they came from, and whether a retry can help. */
import type { LoadedConfig } from "../config/loader";
import { RuntimeError, StockpipeError } from "../errors";
import { securityProblem, securityWords } from "../util/security";
import { isRetriableKafkaError } from "./retriable";

const UNREACHABLE = ["KafkaJSConnectionError", "KafkaJSBrokerNotFound", "KafkaJSConnectionClosedError", "KafkaJSRequestTimeoutError"];

function rootCause(err: unknown): Error & { type?: string; name: string } {
  let e = err as Error & { originalError?: Error; cause?: unknown; retriable?: boolean };
  while (e && (e.name === "KafkaJSNumberOfRetriesExceeded" || e.name === "KafkaJSNonRetriableError") && (e.originalError || e.cause)) {
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return e;
}

/** The Kafka protocol error type (FENCED_INSTANCE_ID, CONCURRENT_TRANSACTIONS, …) at the bottom of a kafkajs error. */
export function kafkaErrorType(err: unknown): string | undefined {
  return rootCause(err)?.type;
}

/** A topic that is not there: the same line whichever command meets it. */
export class TopicNotFoundError extends RuntimeError {
  constructor(
    readonly topic: string,
    hint = `run \`stockpipe topic create ${topic}\``,
  ) {
    super(`topic ${topic} does not exist`, { hint });
  }
}

export function kafkaError(err: unknown, loaded: LoadedConfig, doing: string): StockpipeError {
  if (err instanceof StockpipeError) return err;
  const cause = rootCause(err);
  // A token source's own error (the token endpoint refused the client, no AWS credentials) says it best.
  if (cause instanceof StockpipeError) return cause;
  const brokers = loaded.config.kafka.brokers.join(",");
  const origin = loaded.origins.get("kafka.brokers") ?? "default";
  const k = loaded.config.kafka;
  const problem = securityProblem(`${cause?.name ?? ""} ${cause?.message ?? String(err)}`);
  if (problem === "credentials" && (k.sasl.mechanism === "oauthbearer" || k.sasl.mechanism === "aws-msk-iam")) {
    const msk = k.sasl.mechanism === "aws-msk-iam";
    return new RuntimeError(
      msk
        ? `Kafka at ${brokers} refused the MSK IAM token (signed with the AWS credential chain) while trying to ${doing}: ${cause.message}`
        : `Kafka at ${brokers} refused the token of client ${k.sasl.oauth.clientId} from ${k.sasl.oauth.tokenEndpoint} while trying to ${doing}: ${cause.message}`,
      {
        hint: msk
          ? "the credentials' IAM policy must allow kafka-cluster:Connect (and the topic and group actions) on the cluster, and the cluster must have IAM access control on; `stockpipe doctor` names the credentials' source"
          : "the brokers check the token's signature (their JWKS), issuer, audience and expiry: ask for the audience and scope they expect (kafka.sasl.oauth.scope) and check their sasl.oauthbearer.* settings",
        retriable: false,
        cause: err,
      },
    );
  }
  if (problem) {
    const who = problem === "credentials" ? ` of user ${k.sasl.username ?? "?"} (${k.sasl.mechanism.toUpperCase()})` : "";
    return new RuntimeError(`Kafka at ${brokers} ${securityWords(problem)}${who} while trying to ${doing}: ${cause.message}`, {
      hint:
        problem === "credentials"
          ? "check kafka.sasl.username and kafka.sasl.password (STOCKPIPE_KAFKA_SASL_USERNAME, STOCKPIPE_KAFKA_SASL_PASSWORD) and kafka.sasl.mechanism"
          : k.ssl.ca
            ? `kafka.ssl.ca is ${k.ssl.ca}: point it (STOCKPIPE_KAFKA_SSL_CA) at the PEM file of the CA that signed the brokers' certificates`
            : "set kafka.ssl.ca (STOCKPIPE_KAFKA_SSL_CA) to the PEM file of the CA that signed the brokers' certificates",
      retriable: false,
      cause: err,
    });
  }
  if (UNREACHABLE.includes(cause?.name) || /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|Connection timeout/.test(cause?.message ?? "")) {
    return new RuntimeError(`cannot reach Kafka at ${brokers} (kafka.brokers from ${origin}) while trying to ${doing}: ${cause.message}`, {
      hint:
        !k.ssl.enabled && /Closed connection/i.test(cause.message ?? "")
          ? "the broker closed the connection: if its listener uses TLS or SASL, set kafka.ssl.enabled and kafka.sasl.* (see `stockpipe local env --profile secure` for an example)"
          : "run `stockpipe local up`, or point kafka.brokers (STOCKPIPE_KAFKA_BROKERS) at your cluster",
      retriable: true,
      cause: err,
    });
  }
  // createTopics and friends wrap the per-topic errors in a KafkaJSAggregateError.
  const inner = (cause as { errors?: { message: string; type?: string }[] }).errors;
  const detail = inner?.length
    ? inner.map((e) => `${e.message}${e.type ? ` (${e.type})` : ""}`).join("; ")
    : `${cause?.message ?? String(err)}${cause?.type ? ` (${cause.type})` : ""}`;
  const hint = /INVALID_CONFIG/.test(detail)
    ? "check the topic config entries: names and values as in Kafka's topic configuration reference"
    : undefined;
  return new RuntimeError(`Kafka refused to ${doing}: ${detail}`, { cause: err, hint, retriable: isRetriableKafkaError(err) });
}
