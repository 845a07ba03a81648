/**
 * Status records: what a long-running process says of its parts on a compacted topic, keyed by the part, the
 * latest winning (kafka/status.ts writes them). `notify` writes its destinations' (notify/status.ts) to
 * `<alerts topic>.notify-status`; `produce` writes its live feeds' to `<ticks topic>.feed-status`, below.
 */
import { parseJsonObject } from "./json";

/** A status record's value when it is a JSON object that `is` accepts, else undefined. */
export function decodeStatusRecord<T>(value: Buffer | null, is: (v: Record<string, unknown>) => boolean): T | undefined {
  if (!value) return undefined;
  const parsed = parseJsonObject(value.toString("utf8"));
  return parsed.ok && is(parsed.value) ? (parsed.value as T) : undefined;
}

/** What a live feed's connection went through. */
export interface FeedCounts {
  connections: number;
  reconnects: number;
  /**
   * Gaps the feed showed (by its numbering, or a reconnection), and those not whole again; trades fetched for them
   * from the venue's history, in so many REST calls; messages known to be still missing.
   */
  gaps: number;
  gapsLeft: number;
  repaired: number;
  restCalls: number;
  missed: number;
  /** Ticks sent again by the feed (after a reconnection) and skipped. */
  duplicates: number;
}

/** What `produce` says of a live feed while it streams, and when it stops: its counts, state and last gap. */
export interface FeedStatus extends FeedCounts {
  /** The source's name (its `sources:` name, else the feed's). */
  source: string;
  /** The feed (coinbase, binance, alpaca, …). */
  feed: string;
  /** The feed's URL as the config shows it: a password or a token in its query hidden. */
  endpoint: string;
  /** The topic its ticks go to. */
  topic: string;
  state: "connecting" | "streaming" | "reconnecting" | "stopped";
  /** Ticks Kafka acknowledged. */
  sent: number;
  /** The last gap, and what became of it. */
  lastGap?: { at: string; detail: string };
  /** When this record was written. */
  at: string;
}

export function feedStatusTopic(ticksTopic: string): string {
  return `${ticksTopic}.feed-status`;
}

export function decodeFeedStatus(value: Buffer | null): FeedStatus | undefined {
  return decodeStatusRecord<FeedStatus>(value, (v) => typeof v.source === "string" && typeof v.gaps === "number");
}
