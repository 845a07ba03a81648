import type { LoadedConfig } from "../config/loader";
import type { Alert } from "../model/alert";
import type { Bar } from "../model/bar";
import type { Received } from "../model/kinds";
import type { Tick } from "../model/tick";

/**
 * A run of valid records from one Kafka partition, in offset order, as the consumer loop hands it over. Ticks
 * (the bulk of the traffic) come as parallel arrays; bars and alerts, whose topics carry far fewer records, as
 * `Received` items. A topic usually carries one kind.
 */
export interface SinkBatch {
  topic: string;
  partition: number;
  ticks: Tick[];
  /** Offsets of `ticks`, in order. */
  offsets: string[];
  /** Each tick's JSON, one line, as received (re-encoded only where the consumer had to complete it). */
  values: string[];
  /**
   * Each tick's event time (epoch ms), when the ticks came as lines only — for a sink that `takesLines`,
   * `ticks` is then empty and `values`, `offsets` and `ms` are the ticks.
   */
  ms?: readonly number[];
  bars: Received<Bar>[];
  alerts: Received<Alert>[];
  /** Offset after the last message handled, valid or dead-lettered: the partition's position after this batch. */
  nextOffset: string;
  /** Nothing more was waiting in the partition when the batch was fetched. */
  caughtUp: boolean;
}

/** A batch with no records yet, for the partition's position `nextOffset`. */
export function emptyBatch(b: { topic: string; partition: number; highWatermark: string }, nextOffset: string): SinkBatch {
  return {
    topic: b.topic,
    partition: b.partition,
    ticks: [],
    offsets: [],
    values: [],
    bars: [],
    alerts: [],
    nextOffset,
    caughtUp: BigInt(b.highWatermark) <= BigInt(nextOffset),
  };
}

/**
 * Where consumed records go. One contract for every sink: `write` stores a batch idempotently (a replayed
 * record overwrites itself), and `durableOffset` says, per partition, up to which offset everything written is
 * durable — the consumer commits exactly that and never more. A write-through sink (Cassandra) is durable when
 * `write` resolves; a buffering sink (S3 files) reports a lower point until its file lands, and cuts files when
 * and as it sees fit (size, time, idleness). The consumer loop never asks which kind it drives.
 *
 * Failures are thrown as StockpipeErrors that say whether a retry can help (`retriable`); the loop retries
 * those and stops on the others.
 */
export interface Sink {
  readonly name: string;
  /** How rows become durable; the loop does not care, a caller measuring write latency does. */
  readonly durability: "write-through" | "buffered";
  /**
   * The sink stores ticks as their JSON lines and needs no Tick objects: the consumer may hand them over as
   * `values` and `ms` only (decoded off the main thread).
   */
  readonly takesLines?: boolean;
  open(): Promise<void>;
  write(batch: SinkBatch): Promise<void>;
  /** Everything before this offset of the partition is durable; undefined when nothing of it was written. */
  durableOffset(partition: number): string | undefined;
  /** Makes everything written so far durable (the end of a run, an interrupt). */
  flush(): Promise<void>;
  /** The partitions went to another consumer: forget what is buffered for them (the new owner re-reads it). */
  release(partitions: number[]): void;
  close(): Promise<void>;
}

export interface SinkEvents {
  /** A background write (a file upload) failed and will be retried. */
  onRetry?(error: Error, attempt: number, delayMs: number): void;
}

export type SinkFactory = (loaded: LoadedConfig, events: SinkEvents) => Promise<Sink>;
