/**
 * The dead-letter topic `<topic>.dlq`: the original bytes as the value, the original key and headers, plus
 * headers with the reason and the original topic, partition, offset and time.
 */
import type { Kafka, KafkaMessage, Producer } from "kafkajs";
import kafkajs from "kafkajs";

const { Partitioners } = kafkajs;

export interface DeadLetter {
  message: KafkaMessage;
  partition: number;
  reason: string;
  detail: string;
}

const MAX_REQUEST_BYTES = 512 * 1024;

function sizeOf(l: DeadLetter): number {
  return (l.message.value?.length ?? 0) + (l.message.key?.length ?? 0) + 512;
}

export function dlqTopic(topic: string): string {
  return `${topic}.dlq`;
}

export class DeadLetterQueue {
  private producer: Producer;
  constructor(private readonly kafka: Kafka, private readonly topic: string) {
    this.producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  }

  async open(partitions: number): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      if (!(await admin.listTopics()).includes(dlqTopic(this.topic))) {
        await admin.createTopics({ waitForLeaders: true, topics: [{ topic: dlqTopic(this.topic), numPartitions: partitions }] });
      }
    } finally {
      await admin.disconnect();
    }
    await this.producer.connect();
  }

  /**
   * Resolves when every dead letter is acknowledged, so offsets can be committed past them. Sent in requests of
   * at most ~512 kB: bad messages are often the big ones, and one request must stay under the broker's limit.
   */
  async send(letters: DeadLetter[]): Promise<void> {
    let start = 0;
    while (start < letters.length) {
      let end = start;
      let bytes = 0;
      while (end < letters.length && (end === start || bytes + sizeOf(letters[end]!) <= MAX_REQUEST_BYTES)) bytes += sizeOf(letters[end++]!);
      await this.sendOne(letters.slice(start, end));
      start = end;
    }
  }

  private async sendOne(letters: DeadLetter[]): Promise<void> {
    await this.producer.send({
      topic: dlqTopic(this.topic),
      acks: -1,
      messages: letters.map((l) => ({
        key: l.message.key,
        value: l.message.value,
        headers: {
          ...l.message.headers,
          "dlq-reason": l.reason,
          "dlq-detail": l.detail.slice(0, 1000),
          "dlq-topic": this.topic,
          "dlq-partition": String(l.partition),
          "dlq-offset": l.message.offset,
          "dlq-timestamp": l.message.timestamp,
          "dlq-time": new Date().toISOString(),
        },
      })),
    });
  }

  async close(): Promise<void> {
    await this.producer.disconnect().catch(() => {});
  }
}
