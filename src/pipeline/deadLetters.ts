/**
 * What is in a dead-letter topic, and putting dead letters back: `dlq` counts them by reason with samples, and
 * `dlq replay` re-sends them — original key, value and headers, without the dlq-* ones — to the topic they
 * came from, so that a consumer reads them again once the cause is fixed. Sinks store records idempotently, so
 * replaying a letter twice stores it once.
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
  total: number;
  reasons: ReasonSummary[];
}

function sample(m: KafkaMessage): DeadLetterSample {
  return {
    offset: m.offset,
    source: `${headerText(m, "dlq-topic") ?? "?"}[${headerText(m, "dlq-partition") ?? "?"}]@${headerText(m, "dlq-offset") ?? "?"}`,
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
  let total = 0;
  try {
    for await (const { messages } of readMessages(createKafka(loaded.config, { retries: 2 }), {
      topic: dlq,
      from: "earliest",
      follow: false,
      signal,
    })) {
      for (const m of messages) {
        total++;
        const reason = headerText(m, "dlq-reason") ?? "(no reason)";
        const time = headerText(m, "dlq-time") ?? "";
        const r = getOrCreate(byReason, reason, () => ({ reason, count: 0, first: time, last: time, samples: [] }));
        r.count++;
        if (time && (!r.first || time < r.first)) r.first = time;
        if (time > r.last) r.last = time;
        if (r.samples.length < samples) r.samples.push(sample(m));
      }
    }
  } catch (err) {
    throw kafkaError(err, loaded, `read ${dlq}`);
  }
  return { topic, dlq, total, reasons: [...byReason.values()].sort((a, b) => b.count - a.count) };
}

export interface ReplayOptions {
  /** Only letters with these reasons; all when empty. */
  reasons: string[];
  dryRun: boolean;
  signal: AbortSignal;
}

export interface ReplayResult {
  dlq: string;
  /** Letters replayed (or, in a dry run, that would be), by the topic they went back to. */
  replayed: Record<string, number>;
  byReason: Record<string, number>;
  skipped: number;
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
  const result: ReplayResult = { dlq, replayed: {}, byReason: {}, skipped: 0 };
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
