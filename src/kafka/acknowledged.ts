/**
 * Every partition of a produce call acknowledged, or the call fails: a guard against kafkajs issue #1303
 * (kafkajs 2.2.4, its last release).
 *
 * kafkajs sends one request per partition leader and keeps the answers by broker. When one broker dies mid-call,
 * the retry looks up the new leaders of its partitions: they are brokers that have already answered for their
 * own partitions, so kafkajs sends nothing to them and resolves as if all were sent. Those messages are lost
 * although the call succeeded (seen here: 1,124 of 200,000 ticks when one of three brokers was killed).
 *
 * The answer of a call lists the partitions that took messages. This sends again, in a new call, the messages of
 * every partition missing from it, until all are there. Messages must carry their partition, as all of
 * stockpipe's do, so what is missing is known.
 */
import type { Message, RecordMetadata } from "kafkajs";
import { log } from "../log";
import { getOrCreate } from "../util/maps";

export interface TopicMessages {
  topic: string;
  messages: Message[];
}

export class UnacknowledgedError extends Error {
  override readonly name = "KafkaJSConnectionError";
  readonly retriable = true;
}

/**
 * Calls `send` until every (topic, partition) of `batch` is in an answer; resolves with all the answers. With
 * acks 0 there are no answers to check, and it sends once.
 */
export async function sendAcknowledged(
  send: (batch: TopicMessages[]) => Promise<RecordMetadata[]>,
  batch: TopicMessages[],
  options: { acks: number; attempts?: number } = { acks: -1 },
): Promise<RecordMetadata[]> {
  for (const { topic, messages } of batch) {
    if (messages.some((m) => m.partition === undefined))
      throw new Error(`a message to ${topic} has no partition: its acknowledgement cannot be checked`);
  }
  if (options.acks === 0) return send(batch);
  const attempts = options.attempts ?? 5;
  const answers: RecordMetadata[] = [];
  let pending = batch;
  for (let attempt = 1; ; attempt++) {
    const got = await send(pending);
    answers.push(...got);
    const acknowledged = new Map<string, Set<number>>();
    for (const r of got) getOrCreate(acknowledged, r.topicName, () => new Set<number>()).add(r.partition);
    const answered = (topic: string, m: Message) => acknowledged.get(topic)?.has(m.partition!) ?? false;
    // The usual case, every partition answered, allocates nothing per message.
    if (pending.every(({ topic, messages }) => messages.every((m) => answered(topic, m)))) return answers;
    pending = pending
      .map(({ topic, messages }) => ({ topic, messages: messages.filter((m) => !answered(topic, m)) }))
      .filter((t) => t.messages.length > 0);
    const missing = pending.flatMap(({ topic, messages }) => [...new Set(messages.map((m) => `${topic}/${m.partition}`))]);
    if (attempt >= attempts) {
      throw new UnacknowledgedError(`Kafka did not acknowledge partitions ${missing.join(", ")} after ${attempts} sends`);
    }
    log.debug(`a produce call came back without partitions ${missing.join(", ")} (a leader moved): sending their messages again`);
  }
}
