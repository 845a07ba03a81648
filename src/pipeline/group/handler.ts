/**
 * The contract between the one consumer-group runner and what it runs (drain's sink writer, analyze's task,
 * notify's deliverer): the run's options, what a handler gets when it is opened, and the hooks it implements.
 * Its own module, so that the runner and the batch loop both depend on it and not on each other.
 */
import type { Admin, Kafka } from "kafkajs";
import type { StockpipeError } from "../../errors";
import type { KindName } from "../../model/kinds";
import type { Chunk } from "./chunk";
import type { GroupReadOptions, Position } from "./options";

/** How the group's consumer fetches. */
export interface FetchSettings {
  /** Bytes a fetch returns at most, all partitions together, and per partition. */
  maxBytes: number;
  maxBytesPerPartition: number;
  /** How long the broker may hold a fetch waiting for data. */
  maxWaitTimeInMs: number;
}

export interface GroupRunOptions extends GroupReadOptions {
  /** What the run does, for error messages: "consume", "analyze". */
  action: string;
  fetch: FetchSettings;
  /** Record kinds the handler takes; others are dead letters. Default: every kind. */
  accepted?: readonly KindName[];
  /** Classify each tick with its produced-at and Kafka timestamps (latency measurement). */
  withTimes?: boolean;
  /**
   * Hand ticks over as JSON lines with their event times (`Chunk.tickValues`, `tickMs`; `ticks` stays empty),
   * decoded in this many threads beside the main one (lines.ts). For a handler that stores lines (the lake).
   */
  asLines?: { threads: number };
}

/** What a handler gets from the runner when it is opened. */
export interface GroupContext {
  kafka: Kafka;
  admin: Admin;
  /** The input topic's partition count. */
  partitions: number;
  /** Aborted on interrupt or after a failure. */
  signal: AbortSignal;
  /** Commits the group's offsets (a handler that commits outside a transaction). */
  commitOffsets(offsets: { topic: string; partition: number; offset: string }[]): Promise<void>;
  /** Stops the run with this failure (the first one wins). */
  fail(error: StockpipeError): void;
  positions: ReadonlyMap<number, Position>;
  /** Messages left behind the positions, all partitions together. */
  lag(): number;
  /** Milliseconds since the first fetched batch (0 before it). */
  sinceFirstBatch(): number;
}

export interface GroupHandler {
  /** The group (re)assigned partitions to this member: `partitions` is its whole assignment now. */
  assigned?(partitions: number[], memberId: string): void;
  /**
   * Before a fetched batch of the partition is handled: resolves the offset from which the handler wants its
   * messages (earlier ones are skipped), or undefined for all. Rejecting stops the run.
   */
  ready?(partition: number): Promise<string | undefined>;
  /** Handles one chunk; true when done with it, false to leave the rest of the batch. Throwing stops the run. */
  handle(chunk: Chunk, heartbeat: () => Promise<void>): Promise<boolean>;
  /** After a chunk is handled and its partition moved on (its position is in the context). */
  handled?(chunk: Chunk, ms: number): void | Promise<void>;
  /** A fetched batch held only control records (transaction markers): the partition moves past them. */
  skipped?(chunk: Chunk): Promise<void>;
  /** Every supervision round (500 ms). */
  tick?(): void;
  /** With exitAtEnd, every round: make what is handled durable and committed (`handledAll`: every partition). */
  settle?(handledAll: boolean): Promise<void>;
  /** The run stops, interrupted or failed: make what is handled durable while still in the group. */
  stop?(how: "interrupted" | "failed"): Promise<void>;
  /** Releases what the handler holds (after the consumer has left the group). */
  close?(): Promise<void>;
}

export interface GroupOutcome {
  stoppedBy: "caught up" | "interrupted";
}
