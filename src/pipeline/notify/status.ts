/**
 * notify's status records (notify/status.ts) onto the compacted `<alerts topic>.notify-status`: written when a
 * destination's counts changed, at most every `everyMs`, and once more at the end. A status that cannot be
 * written is logged and skipped — it never holds deliveries up.
 */
import type { Kafka, Producer } from "kafkajs";
import { errorMessage } from "../../errors";
import { ensureTopic } from "../../kafka/topics";
import { log } from "../../log";
import { type DestinationStatus, statusTopic } from "../../notify/status";
import type { Outbox } from "./outbox";

export class StatusPublisher {
  private producer?: Producer;
  private readonly written = new Map<string, string>();
  private lastAt = 0;
  private writing?: Promise<void>;
  readonly topic: string;

  constructor(
    private readonly kafka: Kafka,
    alertsTopic: string,
    private readonly group: string,
    private readonly everyMs = 2000,
  ) {
    this.topic = statusTopic(alertsTopic);
  }

  async open(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await ensureTopic(admin, { name: this.topic, partitions: 1, configs: { "cleanup.policy": "compact", "segment.ms": "3600000" } });
    } finally {
      await admin.disconnect();
    }
    this.producer = this.kafka.producer({ allowAutoTopicCreation: false });
    await this.producer.connect();
  }

  /** Writes the outboxes whose counts changed, unless the last write was less than `everyMs` ago (or `now`). */
  publish(boxes: Iterable<Outbox>, now = false): Promise<void> {
    if (!this.producer || this.writing || (!now && Date.now() - this.lastAt < this.everyMs)) return this.writing ?? Promise.resolve();
    const messages = [];
    for (const box of boxes) {
      const d = box.destination;
      const counts = JSON.stringify(box.stats);
      if (this.written.get(d.name) === counts) continue;
      this.written.set(d.name, counts);
      const status: DestinationStatus = {
        destination: d.name,
        kind: d.kind,
        endpoint: d.shownUrl,
        group: this.group,
        ...box.stats,
        at: new Date().toISOString(),
      };
      messages.push({ key: d.name, value: JSON.stringify(status) });
    }
    if (messages.length === 0) return Promise.resolve();
    this.lastAt = Date.now();
    this.writing = this.producer
      .send({ topic: this.topic, acks: 1, messages })
      .then(() => {})
      .catch((err) => log.debug(`notify status not written to ${this.topic}: ${errorMessage(err)}`))
      .finally(() => {
        this.writing = undefined;
      });
    return this.writing;
  }

  async close(boxes: Iterable<Outbox>): Promise<void> {
    await this.writing;
    await this.publish(boxes, true);
    await this.producer?.disconnect().catch(() => {});
  }
}
