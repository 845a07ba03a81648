/**
 * The S3 lake sink. Rows are buffered per Kafka partition and written as one file per (partition, run of
 * rows): s3://<bucket>/<prefix>/ticks/dt=<trading day>/<topic>+<partition>+<first offset>.parquet.
 * A file is cut at consumer.flushRows rows, at consumer.flushBytes bytes, when the trading day changes, and
 * when its partition has been idle for consumer.flushIdleMs. The offsets committed for a partition never pass
 * the first row still buffered or uploading, so a crash replays from the start of an unwritten file and rewrites
 * it under the same key: objects are overwritten, never duplicated. Where files are cut depends only on the data
 * (rows, bytes, trading day) — except the idle flush, which only cuts a partition that has nothing more to read
 * and is followed at once by a commit past the file.
 *
 * Finished files are encoded and uploaded in the background (a few at a time, retried until they land), so a
 * run of small files — daily bars make one file per day — does not serialise on S3 round trips.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import type { ResolvedConfig } from "../../config/schema";
import { encodeTick, type Tick } from "../../model/tick";
import { marketDayAndMinute } from "../../model/time";
import type { Sink, WritePosition } from "../types";
import { createS3Client } from "./client";
import { objectKey } from "./layout";
import { ParquetEncoder } from "./parquet";
import { uploadFile } from "./upload";
import { backoffMs, Semaphore } from "../../util/bounded";

interface Buffered {
  topic: string;
  dt: string;
  startOffset: string;
  lines: string[];
  bytes: number;
  lastWriteAt: number;
}

interface Upload {
  startOffset: string;
  done: Promise<void>;
}

/** Files uploading at once, across partitions. */
const UPLOAD_CONCURRENCY = 8;
/** Files finished but not yet in S3 before writes wait (bounds memory). */
const MAX_PENDING_UPLOADS = 32;

interface PartitionState {
  buffer?: Buffered;
  uploads: Upload[];
  /** Offset after the last handled message: the commit point when nothing is buffered. */
  next?: string;
  /** Offset after the last tick appended: a write retried after a failed upload skips what it already added. */
  appendedUpTo?: bigint;
  /** Serialises writes and flushes of one partition. */
  lock: Promise<void>;
}

export interface FileWritten {
  key: string;
  rows: number;
  bytes: number;
}

export class S3Sink implements Sink {
  readonly name = "s3";
  private s3: S3Client;
  private encoder?: ParquetEncoder;
  private readonly partitions = new Map<number, PartitionState>();
  private readonly tmp = mkdtempSync(join(tmpdir(), "stockpipe-s3-"));
  private seq = 0;
  readonly files: FileWritten[] = [];

  constructor(
    private readonly config: ResolvedConfig,
    private readonly onFile?: (f: FileWritten) => void,
    private readonly onRetry?: (error: Error, attempt: number, delayMs: number) => void,
  ) {
    this.s3 = createS3Client(config);
  }

  async open(): Promise<void> {
    if (this.config.s3.fileFormat === "parquet") this.encoder = await ParquetEncoder.create();
  }

  private state(partition: number): PartitionState {
    let s = this.partitions.get(partition);
    if (!s) this.partitions.set(partition, (s = { lock: Promise.resolve(), uploads: [] }));
    return s;
  }

  private locked<T>(partition: number, work: (s: PartitionState) => Promise<T>): Promise<T> {
    const s = this.state(partition);
    const run = s.lock.then(() => work(s));
    s.lock = run.then(
      () => {},
      () => {},
    );
    return run;
  }

  write(ticks: Tick[], position: WritePosition): Promise<void> {
    const c = this.config.consumer;
    return this.locked(position.partition, async (s) => {
      if (s.buffer && (s.buffer.lines.length >= c.flushRows || s.buffer.bytes >= c.flushBytes)) await this.flushBuffer(position.partition, s);
      // Offsets rise within a write: after a replay only a leading run can be already appended.
      let first = 0;
      if (s.appendedUpTo !== undefined) while (first < ticks.length && BigInt(position.offsets[first]!) < s.appendedUpTo) first++;
      let lastMinute = Number.NaN;
      let dt = "";
      // How far this write got: a retry of the same write (after a failed flush) must not append a line twice.
      let appended = -1;
      try {
        for (let i = first; i < ticks.length; i++) {
          const t = ticks[i]!;
          const ms = Date.parse(t.ts);
          // The trading day changes only on a minute boundary: one lookup per minute of event time.
          const minute = Math.floor(ms / 60_000);
          if (minute !== lastMinute) {
            dt = marketDayAndMinute(ms, this.config.market.timeZone).day;
            lastMinute = minute;
          }
          if (s.buffer && s.buffer.dt !== dt) await this.flushBuffer(position.partition, s);
          // The message's own JSON when the consumer passes it (validated, no re-encoding), else the codec's.
          const line = position.values?.[i] ?? encodeTick(t);
          if (!s.buffer) s.buffer = { topic: position.topic, dt, startOffset: position.offsets[i]!, lines: [], bytes: 0, lastWriteAt: 0 };
          s.buffer.lines.push(line);
          s.buffer.bytes += line.length + 1;
          appended = i;
          if (s.buffer.lines.length >= c.flushRows || s.buffer.bytes >= c.flushBytes) await this.flushBuffer(position.partition, s);
        }
      } finally {
        if (appended >= 0) s.appendedUpTo = BigInt(position.offsets[appended]!) + 1n;
      }
      if (s.buffer) s.buffer.lastWriteAt = Date.now();
      s.next = position.nextOffset;
    });
  }

  committable(partition: number): string | undefined {
    const s = this.partitions.get(partition);
    if (!s) return undefined;
    // The oldest file not yet in S3 bounds the commit: uploads are in offset order within a partition.
    if (s.uploads.length > 0) return s.uploads[0]!.startOffset;
    return s.buffer ? s.buffer.startOffset : s.next;
  }

  async flush(): Promise<void> {
    await Promise.all([...this.partitions.keys()].map((p) => this.locked(p, (s) => this.flushBuffer(p, s))));
    await Promise.all([...this.partitions.values()].flatMap((s) => s.uploads.map((u) => u.done)));
  }

  async flushIdle(caughtUp: (partition: number) => boolean): Promise<number[]> {
    const idleBefore = Date.now() - this.config.consumer.flushIdleMs;
    const flushed: number[] = [];
    await Promise.all(
      [...this.partitions].map(([p, s]) =>
        s.buffer && s.buffer.lastWriteAt > 0 && s.buffer.lastWriteAt <= idleBefore && caughtUp(p)
          ? this.locked(p, async (st) => {
              if (st.buffer && st.buffer.lastWriteAt > 0 && st.buffer.lastWriteAt <= idleBefore && caughtUp(p)) {
                await this.flushBuffer(p, st);
                await Promise.all(st.uploads.map((u) => u.done));
                flushed.push(p);
              }
            })
          : undefined,
      ),
    );
    return flushed;
  }

  /** Files uploading at once. */
  private readonly uploading = new Semaphore(UPLOAD_CONCURRENCY);
  /** Files handed over and not yet in S3: a flush waits for a slot, which bounds memory. */
  private readonly pending = new Semaphore(MAX_PENDING_UPLOADS);

  /** Hands the partition's buffer to the uploader; waits only when too many files are pending. */
  private async flushBuffer(partition: number, s: PartitionState): Promise<void> {
    const b = s.buffer;
    if (!b || b.lines.length === 0) return;
    s.buffer = undefined;
    await this.pending.acquire();
    const upload: Upload = { startOffset: b.startOffset, done: Promise.resolve() };
    upload.done = this.uploadWithRetry(partition, b).finally(() => {
      s.uploads.splice(s.uploads.indexOf(upload), 1);
      this.pending.release();
    });
    s.uploads.push(upload);
  }

  private async uploadWithRetry(partition: number, b: Buffered): Promise<void> {
    await this.uploading.acquire();
    try {
      for (let attempt = 1; !this.closed; attempt++) {
        try {
          await this.writeObject(partition, b);
          return;
        } catch (err) {
          const delay = backoffMs(attempt);
          this.onRetry?.(err as Error, attempt, delay);
          await new Promise((r) => setTimeout(r, delay));
        }
      }
    } finally {
      this.uploading.release();
    }
  }

  /** One file: JSON lines → (Parquet) → S3 under its deterministic key. */
  private async writeObject(partition: number, b: Buffered): Promise<void> {
    const key = objectKey(this.config, b.dt, b.topic, partition, b.startOffset);
    const base = join(this.tmp, `${partition}-${this.seq++}`);
    try {
      await writeFile(`${base}.jsonl`, b.lines.join("\n") + "\n");
      let path = `${base}.jsonl`;
      if (this.encoder) {
        await this.encoder.encode(`${base}.jsonl`, `${base}.parquet`, this.config.s3.compression);
        path = `${base}.parquet`;
      }
      await uploadFile(this.s3, this.config.s3.bucket, key, path, this.encoder ? "application/vnd.apache.parquet" : "application/x-ndjson");
      const { size } = await stat(path);
      const written = { key, rows: b.lines.length, bytes: size };
      this.files.push(written);
      this.onFile?.(written);
    } finally {
      rmSync(`${base}.jsonl`, { force: true });
      rmSync(`${base}.parquet`, { force: true });
    }
  }

  private closed = false;

  async close(): Promise<void> {
    this.closed = true;
    this.encoder?.close();
    this.s3.destroy();
    rmSync(this.tmp, { recursive: true, force: true });
  }
}
