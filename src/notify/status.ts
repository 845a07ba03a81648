/**
 * What notify says of each destination, for whoever watches the pipeline (the dashboard's health panel): one
 * JSON record per destination on the compacted topic `<alerts topic>.notify-status`, keyed by the destination's
 * name, the latest winning. Written by `notify` as its counts change (every few seconds at most) and when it stops.
 */
import { decodeStatusRecord } from "../model/status";

/** What one destination has been sent, left out and failed so far. */
export interface DestinationCounts {
  /** Messages delivered, and the alerts in them. */
  messages: number;
  alerts: number;
  /** Alerts the cool-down left out. */
  suppressed: number;
  /** Messages that could not be delivered (their alerts were dead-lettered). */
  failed: number;
  retries: number;
  lastDelivery?: string;
  /** The last attempt that did not deliver, and why. */
  lastError?: { at: string; reason: string };
}

export interface DestinationStatus extends DestinationCounts {
  destination: string;
  /** Its kind: slack, teams, discord, webhook, email, … */
  kind: string;
  /** scheme://host/… only: never the secret path. */
  endpoint: string;
  group: string;
  /** When this record was written. */
  at: string;
}

export function statusTopic(alertsTopic: string): string {
  return `${alertsTopic}.notify-status`;
}

/** A status record's value, or undefined when it is not one. */
export function decodeStatus(value: Buffer | null): DestinationStatus | undefined {
  return decodeStatusRecord<DestinationStatus>(value, (s) => typeof s.destination === "string" && typeof s.messages === "number");
}
