/**
 * notify's status records (notify/status.ts) onto the compacted `<alerts topic>.notify-status`, by the one status
 * publisher (kafka/status.ts): a destination's record when its counts changed, at most every `everyMs`, and once
 * more at the end.
 */
import type { Kafka } from "kafkajs";
import { type StatusEntry, StatusPublisher } from "../../kafka/status";
import { type DestinationStatus, statusTopic } from "../../notify/status";
import type { Outbox } from "./outbox";

export class NotifyStatus {
  private readonly publisher: StatusPublisher;

  constructor(
    kafka: Kafka,
    alertsTopic: string,
    private readonly group: string,
    everyMs = 2000,
  ) {
    this.publisher = new StatusPublisher(kafka, statusTopic(alertsTopic), everyMs);
  }

  get topic(): string {
    return this.publisher.topic;
  }

  open(): Promise<void> {
    return this.publisher.open();
  }

  publish(boxes: Iterable<Outbox>, now = false): Promise<void> {
    return this.publisher.publish(this.entries(boxes), now);
  }

  close(boxes: Iterable<Outbox>): Promise<void> {
    return this.publisher.close(this.entries(boxes));
  }

  private *entries(boxes: Iterable<Outbox>): Iterable<StatusEntry> {
    for (const box of boxes) {
      const d = box.destination;
      const status: Omit<DestinationStatus, "at"> = {
        destination: d.name,
        kind: d.kind,
        endpoint: d.shownUrl,
        group: this.group,
        ...box.stats,
      };
      yield { key: d.name, status };
    }
  }
}
