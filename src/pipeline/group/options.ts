import type { ResolvedConfig } from "../../config/schema";

/** What the consumer-group loops (the drain, analyze) share: how they read their topic and when they stop. */
export interface GroupReadOptions {
  topic: string;
  group: string;
  /** earliest | latest | ISO time: where a group without committed offsets starts (always, with reset). */
  from: string;
  reset: boolean;
  /** Stop once the group's committed offsets reach the end of every partition. */
  exitAtEnd: boolean;
  /** Records handled (written, or analyzed in one transaction) at a time at most. */
  batchSize: number;
  partitionsConcurrently: number;
  /** A larger message goes to the dead-letter queue as oversized. */
  maxMessageBytes: number;
  /** Aborting it stops the loop cleanly. */
  signal: AbortSignal;
}

/** A partition's position: the offset after the last message handled, and how many were left behind it. */
export interface Position {
  next: string;
  lag: number;
}

/** How every group loop reads, from `consumer.*`: where a new group starts, chunk size, parallelism, size limit. */
export function groupReadSettings(
  config: ResolvedConfig,
): Pick<GroupReadOptions, "from" | "batchSize" | "partitionsConcurrently" | "maxMessageBytes"> {
  const c = config.consumer;
  return { from: c.from, batchSize: c.batchSize, partitionsConcurrently: c.partitionsConcurrently, maxMessageBytes: c.maxMessageBytes };
}
