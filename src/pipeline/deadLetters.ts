/**
 * What is in a dead-letter topic, and putting dead letters back: `dlq` counts them by reason with samples, and
 * `dlq replay` re-sends them — original key, value and headers, without the dlq-* ones — to the topic they
 * came from, so that a consumer reads them again once the cause is fixed. Sinks store records idempotently, so
 * replaying a letter twice stores it once. Every pipeline reading a topic (consume into each store, analyze)
 * finds its bad messages, so a message can have a letter from each: readers count and replay one per original
 * message (its topic, partition and offset), naming the pipelines that refused it.
 */
import type { KafkaMessage, Message } from "kafkajs";
import kafkajs from "kafkajs";
import type { LoadedConfig } from "../config/loader";
import { createKafka } from "../kafka/client";
import { dlqTopic, sendInChunks } from "../kafka/dlq";
import { kafkaError } from "../kafka/errors";
import { readMessages } from "../kafka/reader";
import { headersOf, headerText, preview } from "../model/view";
import { getOrCreate } from "../util/maps";

const { Partitioners } = kafkajs;

export type DeadLetterSample = {
  offset: string;
  /** Where it was in the source topic. */
  source: string;
  /** The pipelines that refused it, e.g. `consume (group stockpipe-cassandra), analyze (group stockpipe-analyze)`. */
  refusedBy: string;
  time: string;
  detail: string;
  value: string;
};

export type ReasonSummary = {
  reason: string;
  count: number;
  first: string;
  last: string;
  samples: DeadLetterSample[];
};

export interface DeadLetterSummary {
  topic: string;
  dlq: string;
  /** Original messages dead-lettered (each once, however many pipelines refused it). */
  total: number;
  /** Letters in the topic beyond one per original message. */
  copies: number;
  reasons: ReasonSummary[];
}

/** Where the letter's message was: its topic, partition and offset (the letter's own offset when it does not say). */
function origin(m: KafkaMessage): string {
  const [topic, partition, offset] = ["dlq-topic", "dlq-partition", "dlq-offset"].map((h) => headerText(m, h));
  return topic !== undefined && partition !== undefined && offset !== undefined ? `${topic}[${partition}]@${offset}` : `letter@${m.offset}`;
}

/** One entry per original message: the pipelines that refused it are added to the first letter seen. */
class Originals {
  private readonly refusedBy = new Map<string, string[]>();
  /** True the first time the letter's original is seen. */
  add(m: KafkaMessage): boolean {
    const key = origin(m);
    const by = headerText(m, "dlq-by") ?? "?";
    const known = this.refusedBy.get(key);
    if (known) {
      if (!known.includes(by)) known.push(by);
      return false;
    }
    this.refusedBy.set(key, [by]);
    return true;
  }
  by(m: KafkaMessage): string[] {
    return this.refusedBy.get(origin(m)) ?? [];
  }
}

function sample(m: KafkaMessage, refusedBy: string[]): DeadLetterSample {
  return {
    offset: m.offset,
    source: `${headerText(m, "dlq-topic") ?? "?"}[${headerText(m, "dlq-partition") ?? "?"}]@${headerText(m, "dlq-offset") ?? "?"}`,
    // Filled in as later letters of the same message come (the list is shared).
    get refusedBy() {
      return refusedBy.join(", ");
    },
    time: headerText(m, "dlq-time") ?? "",
    detail: headerText(m, "dlq-detail") ?? "",
    value: preview(m.value),
  };
}

/** Reads `<topic>.dlq` to its end: counts, first and last time and up to `samples` letters per reason. */
export async function summarizeDeadLetters(
  loaded: LoadedConfig,
  topic: string,
  samples: number,
  signal: AbortSignal,
): Promise<DeadLetterSummary> {
  const dlq = dlqTopic(topic);
  const byReason = new Map<string, ReasonSummary>();
  const originals = new Originals();
  let total = 0;
  let copies = 0;
  try {
    for await (const { messages } of readMessages(createKafka(loaded.config, { retries: 2 }), {
      topic: dlq,
      from: "earliest",
      follow: false,
      signal,
    })) {
      for (const m of messages) {
        if (!originals.add(m)) {
          copies++;
          continue;
        }
        total++;
        const reason = headerText(m, "dlq-reason") ?? "(no reason)";
        const time = headerText(m, "dlq-time") ?? "";
        const r = getOrCreate(byReason, reason, () => ({ reason, count: 0, first: time, last: time, samples: [] }));
        r.count++;
        if (time && (!r.first || time < r.first)) r.first = time;
        if (time > r.last) r.last = time;
        if (r.samples.length < samples) r.samples.push(sample(m, originals.by(m)));
      }
    }
  } catch (err) {
    throw kafkaError(err, loaded, `read ${dlq}`);
  }
  const reasons = [...byReason.values()].sort((a, b) => b.count - a.count);
  // The samples' getters become plain values for JSON and tables.
  for (const r of reasons) r.samples = r.samples.map((s) => ({ ...s }));
  return { topic, dlq, total, copies, reasons };
}

export interface ReplayOptions {
  /** Only letters with these reasons; all when empty. */
  reasons: string[];
  dryRun: boolean;
  signal: AbortSignal;
}

export interface ReplayResult {
  dlq: string;
  /** Letters replayed (or, in a dry run, that would be), by the topic they went back to: one per original message. */
  replayed: Record<string, number>;
  byReason: Record<string, number>;
  skipped: number;
  /** Further letters of a message already replayed (another pipeline refused it too): not sent again. */
  copies: number;
}

/** The letter as it was before it was dead-lettered: its key, value and own headers. */
export function original(m: KafkaMessage): Message {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(headersOf(m))) if (!name.startsWith("dlq-")) headers[name] = value;
  return { key: m.key, value: m.value, headers };
}

/** Re-sends the dead letters of `topic` (those with the given reasons) to the topics they came from. */
export async function replayDeadLetters(loaded: LoadedConfig, topic: string, o: ReplayOptions): Promise<ReplayResult> {
  const dlq = dlqTopic(topic);
  const kafka = createKafka(loaded.config, { retries: 3 });
  const result: ReplayResult = { dlq, replayed: {}, byReason: {}, skipped: 0, copies: 0 };
  const originals = new Originals();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  try {
    if (!o.dryRun) await producer.connect();
    for await (const { messages } of readMessages(kafka, { topic: dlq, from: "earliest", follow: false, signal: o.signal })) {
      const out = new Map<string, Message[]>();
      for (const m of messages) {
        const reason = headerText(m, "dlq-reason") ?? "(no reason)";
        if (o.reasons.length && !o.reasons.includes(reason)) {
          result.skipped++;
          continue;
        }
        if (!originals.add(m)) {
          result.copies++;
          continue;
        }
        const target = headerText(m, "dlq-topic") ?? topic;
        getOrCreate(out, target, () => []).push(original(m));
        result.replayed[target] = (result.replayed[target] ?? 0) + 1;
        result.byReason[reason] = (result.byReason[reason] ?? 0) + 1;
      }
      if (!o.dryRun) for (const [target, list] of out) await sendInChunks(producer, target, list);
    }
  } catch (err) {
    throw kafkaError(err, loaded, `replay ${dlq}`);
  } finally {
    await producer.disconnect().catch(() => {});
  }
  return result;
}
