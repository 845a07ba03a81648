import type { Tick } from "../model/tick";

/** Where a write's ticks came from: one Kafka partition, with each tick's offset. */
export interface WritePosition {
  topic: string;
  partition: number;
  /** Offsets of `ticks`, in order. */
  offsets: string[];
  /** Offset after the last message handled (valid or dead-lettered): the commit point if nothing is buffered. */
  nextOffset: string;
  /** The messages' values as received (valid tick v1 JSON), for sinks that store JSON as it is. */
  values?: string[];
}

/**
 * Where consumed ticks go. Writes are idempotent (a replayed tick overwrites itself). A sink that writes
 * through (Cassandra) is durable when `write` resolves; a sink that buffers into files (S3) says with
 * `committable` up to which offset a partition is durable, and flushes on `flush`/`flushIdle`.
 */
export interface Sink {
  readonly name: string;
  open(): Promise<void>;
  write(ticks: Tick[], position: WritePosition): Promise<void>;
  /** The offset to commit for a partition: everything before it is durable. Undefined: nextOffset of the last write. */
  committable?(partition: number): string | undefined;
  /** Writes out every partition's buffer. */
  flush?(): Promise<void>;
  /**
   * Writes out the buffers of caught-up partitions (nothing more to read) that have waited longer than the idle
   * time; returns the partitions it flushed. Partitions with data still to read are never cut by the clock, so
   * a replay after a crash or a rebalance cuts their files where the first run did.
   */
  flushIdle?(caughtUp: (partition: number) => boolean): Promise<number[]>;
  close(): Promise<void>;
}
