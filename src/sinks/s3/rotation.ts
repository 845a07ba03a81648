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
  /** Rows in it so far. */
  rows: number;
  /**
   * Its rows (JSON lines) not yet taken by whoever stores the file: the sink moves them to disk after every
   * append, so a file's rows are not held in memory while it fills, waits and uploads.
   */
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
    // Ticks straight from the batch's arrays (the hot path: no object per row); other kinds merged by offset.
    const rows = batch.bars.length || batch.alerts.length ? mixedRows(batch) : undefined;
    const n = rows ? rows.length : batch.values.length;
    const offsetAt = (i: number) => (rows ? rows[i]!.offset : batch.offsets[i]!);
    let first = 0;
    // Offsets rise within a batch: after a replay only a leading run can be already appended.
    if (this.appendedUpTo !== undefined) while (first < n && BigInt(offsetAt(first)) < this.appendedUpTo) first++;
    let lastMinute = Number.NaN;
    let dt = "";
    for (let i = first; i < n; i++) {
      const row = rows?.[i];
      const ms = row ? row.ms : batch.ms ? batch.ms[i]! : Date.parse(batch.ticks[i]!.ts);
      const folder = row ? row.folder : "ticks";
      // The period changes only on a minute boundary: one lookup per minute of event time.
      const minute = Math.floor(ms / 60_000);
      if (minute !== lastMinute) {
        dt = this.periodOf(ms);
        lastMinute = minute;
      }
      if (this.buffer && (this.buffer.dt !== dt || this.buffer.folder !== folder)) done.push(this.cut()!);
      const line = row ? row.value : batch.values[i]!;
      this.buffer ??= {
        topic: batch.topic,
        partition: this.partition,
        kind: row ? row.kind : "tick",
        folder,
        dt,
        startOffset: offsetAt(i),
        rows: 0,
        lines: [],
        bytes: 0,
      };
      this.buffer.lines.push(line);
      this.buffer.rows++;
      this.buffer.bytes += line.length + 1;
      if (this.buffer.rows >= this.limits.flushRows || this.buffer.bytes >= this.limits.flushBytes) done.push(this.cut()!);
    }
    if (first < n) this.appendedUpTo = BigInt(offsetAt(n - 1)) + 1n;
    this.next = batch.nextOffset;
    this.caughtUp = batch.caughtUp;
    this.lastAppendAt = now;
    return done;
  }

  /** The file being filled, if any. */
  get open(): LakeFile | undefined {
    return this.buffer;
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

/** A batch's rows of every kind, in offset order (a topic usually carries one kind, and then this is not used). */
function mixedRows(batch: SinkBatch): Row[] {
  const rows: Row[] = batch.values.map((value, i) => ({
    kind: "tick",
    folder: "ticks",
    offset: batch.offsets[i]!,
    ms: batch.ms ? batch.ms[i]! : Date.parse(batch.ticks[i]!.ts),
    value,
  }));
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
  return rows.sort((a, b) => (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1));
}
