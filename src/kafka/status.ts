/**
 * What a long-running process says of its parts, for whoever watches the pipeline (the dashboard's health panel):
 * one JSON record per part on a compacted topic, keyed by the part's name, the latest winning. A part's record is
 * written when its status changed, at most every `everyMs`, and once more at the end. A status that cannot be
 * written is logged and skipped — it never holds the work up. `notify` writes its destinations' status this way,
 * `produce` its live feeds' (the record kinds: model/status.ts).
 */
import type { Kafka, Producer } from "kafkajs";
import { errorMessage } from "../errors";
import { log } from "../log";
import { ensureTopic } from "./topics";

/** One part's status: its key, and the record without its time (compared to tell a change). */
export interface StatusEntry {
  key: string;
  status: object;
}

export class StatusPublisher {
  private producer?: Producer;
  private readonly written = new Map<string, string>();
  private lastAt = 0;
  private writing?: Promise<void>;
  /** Entries asked to be written now while a write was under way: written right after it. */
  private queued?: Iterable<StatusEntry>;

  constructor(
    private readonly kafka: Kafka,
    readonly topic: string,
    private readonly everyMs = 2000,
  ) {}

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

  /**
   * Writes the entries whose status changed since it was last written, each with the time (`at`), unless the last
   * write was less than `everyMs` ago (or `now`).
   */
  publish(entries: Iterable<StatusEntry>, now = false): Promise<void> {
    if (this.writing && now) this.queued = entries;
    if (!this.producer || this.writing || (!now && Date.now() - this.lastAt < this.everyMs)) return this.writing ?? Promise.resolve();
    const messages: { key: string; value: string }[] = [];
    for (const { key, status } of entries) {
      const text = JSON.stringify(status);
      if (this.written.get(key) === text) continue;
      this.written.set(key, text);
      messages.push({ key, value: JSON.stringify({ ...status, at: new Date().toISOString() }) });
    }
    if (messages.length === 0) return Promise.resolve();
    this.lastAt = Date.now();
    this.writing = this.producer
      .send({ topic: this.topic, acks: 1, messages })
      .then(() => {})
      .catch((err) => {
        // Not written: written again at the next chance, changed or not.
        for (const m of messages) this.written.delete(m.key);
        log.debug(`status not written to ${this.topic}: ${errorMessage(err)}`);
      })
      .finally(() => {
        this.writing = undefined;
        const queued = this.queued;
        this.queued = undefined;
        if (queued) void this.publish(queued, true);
      });
    return this.writing;
  }

  /** Writes what changed since the last write, now, and disconnects. */
  async close(entries: Iterable<StatusEntry>): Promise<void> {
    while (this.writing) await this.writing;
    await this.publish(entries, true);
    while (this.writing) await this.writing;
    await this.producer?.disconnect().catch(() => {});
  }
}
