/**
 * A live feed's status (model/status.ts) onto the compacted `<topic>.feed-status`, by the one status publisher
 * (kafka/status.ts), where the dashboard's health panel shows it: its state, ticks sent, reconnections and gaps —
 * found, repaired, left — written when they changed (every few seconds at most) and when produce stops. A status
 * that cannot be written never holds the feed up.
 */
import type { Kafka } from "kafkajs";
import { shownSecret } from "../../config/redact";
import { errorMessage } from "../../errors";
import { StatusPublisher } from "../../kafka/status";
import { log } from "../../log";
import { type FeedCounts, type FeedStatus, feedStatusTopic } from "../../model/status";
import type { FeedConnectionEvents } from "../../sources/feeds/types";

/** What the status reads from produce's progress. */
interface Counted {
  sent: number;
  feed: FeedCounts;
}

export class FeedStatusWriter {
  private publisher?: StatusPublisher;
  private state: FeedStatus["state"] = "connecting";
  private lastGap?: FeedStatus["lastGap"];
  private feed = "";
  private endpoint = "";

  constructor(private readonly o: { name?: string; topic: string; progress: Readonly<Counted>; everyMs?: number }) {}

  /** The connection's events that change the status (beside the counts the progress keeps). */
  readonly events: FeedConnectionEvents = {
    onConnected: () => this.set("streaming"),
    onReconnecting: () => this.set("reconnecting"),
    onGap: (_feed, gap) => {
      this.lastGap = { at: new Date().toISOString(), detail: gap.detail };
      void this.publish();
    },
  };

  /** Starts writing for this feed; a topic that cannot be made or written is logged, and the feed goes on. */
  async open(kafka: Kafka, feed: string, endpoint: string): Promise<void> {
    this.feed = feed;
    // As the config shows a feed's URL: a password or a token in the query hidden.
    this.endpoint = shownSecret("url", endpoint);
    const publisher = new StatusPublisher(kafka, feedStatusTopic(this.o.topic), this.o.everyMs);
    try {
      await publisher.open();
      this.publisher = publisher;
      await this.publish(true);
    } catch (err) {
      log.warn(`the feed's status is not written to ${publisher.topic}: ${errorMessage(err)}`);
    }
  }

  /** Writes the status if it changed (at most every few seconds, unless `now`). */
  publish(now = false): Promise<void> {
    return this.publisher?.publish([this.entry()], now) ?? Promise.resolve();
  }

  async close(): Promise<void> {
    this.state = "stopped";
    await this.publisher?.close([this.entry()]);
  }

  private set(state: FeedStatus["state"]): void {
    this.state = state;
    void this.publish(true);
  }

  private entry() {
    const f = this.o.progress.feed;
    const name = this.o.name ?? this.feed;
    const status: Omit<FeedStatus, "at"> = {
      source: name,
      feed: this.feed,
      endpoint: this.endpoint,
      topic: this.o.topic,
      state: this.state,
      sent: this.o.progress.sent,
      ...f,
      ...(this.lastGap ? { lastGap: this.lastGap } : {}),
    };
    return { key: name, status };
  }
}
