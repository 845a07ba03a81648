/**
 * A group pointed at a topic of the wrong record kind — `notify --topic ticks`, an easy slip for `ticks.alerts` —
 * would dead-letter the whole topic. Before joining, the latest record of each partition is read: when all of
 * them are of a kind the handler does not take, the run is refused with what the topic holds and the topic it
 * probably meant.
 */
import type { Admin, Kafka } from "kafkajs";
import { UsageError } from "../../errors";
import { readMessages } from "../../kafka/reader";
import { log } from "../../log";
import { type KindName, kindOf } from "../../model/kinds";

const SCHEMA_OF: Record<KindName, string> = { tick: "tick.v1", bar: "bar.v1", alert: "alert.v1" };

/**
 * The kinds of the latest record of each partition (none for an empty topic). Gives up quietly after `timeoutMs`
 * (a broker away): the run goes on unchecked rather than wait, and the reader cleans up once its call returns.
 */
export async function latestKinds(kafka: Kafka, topic: string, timeoutMs = 10_000): Promise<Set<KindName>> {
  const kinds = new Set<KindName>();
  const signal = AbortSignal.timeout(timeoutMs);
  const reader = readMessages(kafka, { topic, from: { last: 1 }, follow: false, signal });
  const timedOut = new Promise<"timeout">((resolve) => signal.addEventListener("abort", () => resolve("timeout"), { once: true }));
  try {
    for (;;) {
      const next = await Promise.race([reader.next(), timedOut]);
      if (next === "timeout") {
        log.debug(`could not sample the record kinds of ${topic} within ${timeoutMs / 1000} s`);
        break;
      }
      if (next.done) break;
      for (const m of next.value.messages) {
        const kind = kindOf(m.headers?.schema?.toString());
        if (kind) kinds.add(kind);
      }
    }
  } catch (err) {
    log.debug(`could not sample the record kinds of ${topic}: ${(err as Error).message}`);
  }
  // Queued behind a call still in flight: the reader leaves its throwaway group either way.
  void reader.return(undefined).catch(() => {});
  return kinds;
}

/** The topic a user most likely meant, among those derived from the same base: `x.alerts` for alerts, `x` for ticks. */
export function meantTopic(topic: string, want: readonly KindName[], existing: readonly string[]): string | undefined {
  const base = topic.replace(/\.(alerts|bars\.[^.]+|late|dlq)$/, "");
  const candidates = want.flatMap((k) =>
    k === "tick" ? [base] : k === "alert" ? [`${base}.alerts`] : existing.filter((t) => t.startsWith(`${base}.bars.`)).sort(),
  );
  return candidates.find((t) => t !== topic && existing.includes(t));
}

export async function refuseWrongKind(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  accepted: readonly KindName[],
  action: string,
): Promise<void> {
  const found = await latestKinds(kafka, topic);
  if (found.size === 0 || accepted.some((k) => found.has(k))) return;
  const meant = meantTopic(topic, accepted, await admin.listTopics());
  const wanted = accepted.map((k) => SCHEMA_OF[k]).join(" or ");
  throw new UsageError(
    `${action} reads ${wanted} records, but topic ${topic} holds ${[...found].map((k) => SCHEMA_OF[k]).join(" and ")} (its latest record in each partition); nothing was read`,
    { hint: meant ? `did you mean topic ${meant}?` : `point it at a topic of ${wanted} records` },
  );
}
