/**
 * The dead-letter topic `<topic>.dlq`: the original bytes as the value, the original key and headers, plus
 * headers with the reason and the original topic, partition, offset and time.
 */
import type { Kafka, KafkaMessage, Message } from "kafkajs";
import kafkajs from "kafkajs";
import type { LoadedConfig } from "../config/loader";
import { redact } from "../log";
import { sendAcknowledged } from "./acknowledged";
import { kafkaError } from "./errors";
import { keyPartitioner } from "./partitioner";
import { ensureTopic, partitionCount } from "./topics";

const { Partitioners } = kafkajs;

export interface DeadLetter {
  message: KafkaMessage;
  partition: number;
  reason: string;
  detail: string;
}

/** Where dead letters go: anything that sends a produce request and resolves once it is acknowledged. */
export interface LetterSender {
  send(record: { topic: string; acks: number; messages: Message[] }): Promise<unknown>;
}

export const MAX_REQUEST_BYTES = 512 * 1024;

function sizeOf(m: Pick<Message, "key" | "value">): number {
  return (m.value?.length ?? 0) + (m.key?.length ?? 0) + 512;
}

/**
 * Sends messages in requests of at most ~512 kB, in order, each acknowledged by all in-sync replicas before the
 * next: bad messages are often the big ones, and one request must stay under the broker's limit.
 */
export async function sendInChunks(sender: LetterSender, topic: string, messages: Message[]): Promise<void> {
  let start = 0;
  while (start < messages.length) {
    let end = start;
    let bytes = 0;
    while (end < messages.length && (end === start || bytes + sizeOf(messages[end]!) <= MAX_REQUEST_BYTES))
      bytes += sizeOf(messages[end++]!);
    await sender.send({ topic, acks: -1, messages: messages.slice(start, end) });
    start = end;
  }
}

export function dlqTopic(topic: string): string {
  return `${topic}.dlq`;
}

/**
 * The dead-letter message for a bad one: its own key, value and headers, why and where it was, and which pipeline
 * refused it (`dlq-by`: every pipeline reading a topic finds its bad messages, so one message can have several
 * letters; readers count one per original message).
 */
export function deadLetterMessage(l: DeadLetter, topic: string, now = new Date(), by?: string): Message {
  return {
    key: l.message.key,
    value: l.message.value,
    headers: {
      ...l.message.headers,
      "dlq-reason": redact(l.reason),
      "dlq-detail": redact(l.detail).slice(0, 1000),
      "dlq-topic": topic,
      "dlq-partition": String(l.partition),
      "dlq-offset": l.message.offset,
      "dlq-timestamp": l.message.timestamp,
      "dlq-time": now.toISOString(),
      ...(by ? { "dlq-by": by } : {}),
    },
  };
}

export class DeadLetterQueue {
  constructor(
    private readonly sender: LetterSender,
    private readonly topic: string,
    /** The pipeline writing, e.g. `consume (group stockpipe-cassandra)`. */
    private readonly by?: string,
  ) {}

  /** Resolves when every dead letter is acknowledged, so offsets can be committed past them. */
  async send(letters: DeadLetter[]): Promise<void> {
    const now = new Date();
    await sendInChunks(
      this.sender,
      dlqTopic(this.topic),
      letters.map((l) => deadLetterMessage(l, this.topic, now, this.by)),
    );
  }
}

/** Creates `<topic>.dlq` if missing (as many partitions as the topic) and connects its producer. */
export async function openDeadLetterQueue(
  loaded: LoadedConfig,
  kafka: Kafka,
  topic: string,
  partitions: number,
  by?: string,
): Promise<{ dlq: DeadLetterQueue; close(): Promise<void> }> {
  const admin = kafka.admin();
  await admin.connect();
  let dlqPartitions: number;
  try {
    await ensureTopic(admin, { name: dlqTopic(topic), partitions });
    dlqPartitions = await partitionCount(admin, dlqTopic(topic));
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  // Partitioned here as the producer would (by key; a keyless letter by its source partition), so every
  // partition of a request is known and its acknowledgement checked.
  const byKey = keyPartitioner(dlqPartitions);
  const partitionOf = (m: Message): number =>
    m.key != null ? byKey(m.key.toString()) : Number((m.headers?.["dlq-partition"] as string | undefined) ?? 0) % dlqPartitions;
  const sender: LetterSender = {
    send: (record) =>
      sendAcknowledged(
        ([batch]) => producer.send({ topic: record.topic, acks: record.acks, messages: batch!.messages }),
        [{ topic: record.topic, messages: record.messages.map((m) => ({ ...m, partition: m.partition ?? partitionOf(m) })) }],
        { acks: record.acks },
      ).catch((err) => {
        throw kafkaError(err, loaded, `send dead letters to ${dlqTopic(topic)}`);
      }),
  };
  return { dlq: new DeadLetterQueue(sender, topic, by), close: () => producer.disconnect().catch(() => {}) };
}
