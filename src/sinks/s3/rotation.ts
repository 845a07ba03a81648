/**
 * Where the lake's files are cut, per Kafka partition, and up to which offset the partition is in S3. Pure
 * bookkeeping, no I/O: the sink uploads the files this hands it and reports back when each has landed.
 *
 * A file is cut at `flushRows` rows, at `flushBytes` bytes and when the period (the dt= partition: the trading
 * day, month or year) changes — points that
 * depend only on the data, so a replay after a crash cuts the same files under the same keys. The one cut by
 * the clock, the idle cut, only happens to a partition that had nothing more to read, and is followed by a
 * commit past the file.
 */
import type { SinkBatch } from "../types";
import { kindFolder, type LakeKind } from "./layout";

export interface LakeFile {
  topic: string;
  partition: number;
  kind: LakeKind;
  /** Under the lake's root, before dt=: ticks, bars/interval=1m, alerts. */
  folder: string;
  /** The dt= partition of every row in it. */
  dt: string;
  /** Offset of its first row: part of its key, and the commit point while it is not in S3. */
  startOffset: string;
  lines: string[];
  bytes: number;
}

export interface RotationLimits {
  flushRows: number;
  flushBytes: number;
  flushIdleMs: number;
}

export class PartitionFiles {
  private buffer?: LakeFile;
  private lastAppendAt = 0;
  private caughtUp = false;
  /** Cut and not yet in S3, in offset order. */
  private readonly inFlight: LakeFile[] = [];
  /** Offset after the last message handled: the commit point when nothing is buffered or in flight. */
  private next?: string;
  /** Offset after the last row appended: a replay of rows already appended (after a rejoin) skips them. */
  private appendedUpTo?: bigint;

  constructor(
    readonly partition: number,
    private readonly limits: RotationLimits,
    /** The dt= partition (trading day, month or year) of an event time. */
    private readonly periodOf: (ms: number) => string,
  ) {}

  /**
   * Appends a batch's rows; returns the files that filled up or ended with their period (or kind), in order.
   * A file holds one kind (and one interval of bars) of one period.
   */
  append(batch: SinkBatch, now: number): LakeFile[] {
    const done: LakeFile[] = [];
    let lastMinute = Number.NaN;
    let dt = "";
    let appended: string | undefined;
    for (const row of rowsOf(batch)) {
      // Offsets rise within a batch: after a replay only a leading run can be already appended.
      if (this.appendedUpTo !== undefined && BigInt(row.offset) < this.appendedUpTo) continue;
      // The period changes only on a minute boundary: one lookup per minute of event time.
      const minute = Math.floor(row.ms / 60_000);
      if (minute !== lastMinute) {
        dt = this.periodOf(row.ms);
        lastMinute = minute;
      }
      if (this.buffer && (this.buffer.dt !== dt || this.buffer.folder !== row.folder)) done.push(this.cut()!);
      this.buffer ??= {
        topic: batch.topic,
        partition: this.partition,
        kind: row.kind,
        folder: row.folder,
        dt,
        startOffset: row.offset,
        lines: [],
        bytes: 0,
      };
      this.buffer.lines.push(row.value);
      this.buffer.bytes += row.value.length + 1;
      if (this.buffer.lines.length >= this.limits.flushRows || this.buffer.bytes >= this.limits.flushBytes) done.push(this.cut()!);
      appended = row.offset;
    }
    if (appended !== undefined) this.appendedUpTo = BigInt(appended) + 1n;
    this.next = batch.nextOffset;
    this.caughtUp = batch.caughtUp;
    this.lastAppendAt = now;
    return done;
  }

  /** Cuts the buffer into a file (undefined when empty); the file counts as in flight until `landed`. */
  cut(): LakeFile | undefined {
    const file = this.buffer;
    if (!file) return undefined;
    this.buffer = undefined;
    this.inFlight.push(file);
    return file;
  }

  /** Cuts the buffer if the partition was caught up at its last batch and has been idle for flushIdleMs since. */
  cutIfIdle(now: number): LakeFile | undefined {
    return this.caughtUp && now - this.lastAppendAt >= this.limits.flushIdleMs ? this.cut() : undefined;
  }

  landed(file: LakeFile): void {
    const i = this.inFlight.indexOf(file);
    if (i >= 0) this.inFlight.splice(i, 1);
  }

  /** Everything before this offset is in S3: the oldest file not yet there bounds it (files land out of order). */
  durableOffset(): string | undefined {
    return this.inFlight[0]?.startOffset ?? this.buffer?.startOffset ?? this.next;
  }
}

interface Row {
  kind: LakeKind;
  folder: string;
  offset: string;
  /** Event time: a tick's or an alert's ts, a bar's start. */
  ms: number;
  value: string;
}

/** A batch's rows of every kind, in offset order (a topic usually carries one kind: then no merging). */
function* rowsOf(batch: SinkBatch): Generator<Row> {
  const ticks = (function* (): Generator<Row> {
    for (let i = 0; i < batch.ticks.length; i++)
      yield { kind: "tick", folder: "ticks", offset: batch.offsets[i]!, ms: Date.parse(batch.ticks[i]!.ts), value: batch.values[i]! };
  })();
  if (batch.bars.length === 0 && batch.alerts.length === 0) {
    yield* ticks;
    return;
  }
  const rows: Row[] = [...ticks];
  for (const b of batch.bars)
    rows.push({
      kind: "bar",
      folder: kindFolder("bar", b.record.interval),
      offset: b.offset,
      ms: Date.parse(b.record.start),
      value: b.value,
    });
  for (const a of batch.alerts)
    rows.push({ kind: "alert", folder: kindFolder("alert"), offset: a.offset, ms: Date.parse(a.record.ts), value: a.value });
  rows.sort((a, b) => (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1));
  yield* rows;
}
