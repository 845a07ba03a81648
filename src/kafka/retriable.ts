/** Whether retrying a failed produce can help: not for a protocol error the broker will repeat (too large, not authorised, invalid). */
export function isRetriableKafkaError(err: unknown): boolean {
  let e = err as { name?: string; retriable?: boolean; originalError?: unknown; cause?: unknown } | undefined;
  while (e) {
    if (e.name === "KafkaJSProtocolError" && e.retriable === false) return false;
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return true;
}
