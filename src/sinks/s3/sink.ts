/**
 * The S3 lake sink: rows buffered per Kafka partition become files
 * s3://<bucket>/<prefix>/<ticks|bars/interval=<i>|alerts>/dt=<period>/<topic>+<partition>+<first offset>.parquet
 * (the period: the trading day, its month or its year, by s3.partitionBy, of the event time), cut where
 * rotation.ts says. Offsets reported durable for a partition never pass the first row still buffered or
 * uploading, so a crash replays from the start of an unwritten file and rewrites it under the same key:
 * objects are overwritten, never duplicated.
 *
 * Finished files are encoded and uploaded in the background (a few at a time, retried while the failure may
 * pass), so a run of small files — daily bars make one file per day — does not serialise on S3 round trips.
 * A file's rows go to a local temporary file as they arrive (spool.ts): memory holds one batch, not files.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import type { LoadedConfig } from "../../config/loader";
import type { ResolvedConfig } from "../../config/schema";
import { isRetriable, RuntimeError, type StockpipeError } from "../../errors";
import { marketDayAndMinute } from "../../model/time";
import { Semaphore } from "../../util/bounded";
import { retry } from "../../util/retry";
import type { Sink, SinkBatch, SinkEvents } from "../types";
import { createS3Client } from "./client";
import { s3Error } from "./errors";
import { objectKey, periodOf } from "./layout";
import { ParquetEncoder } from "./parquet";
import { type LakeFile, PartitionFiles } from "./rotation";
import { Spool } from "./spool";
import { uploadFile } from "./upload";

/** Files uploading at once, across partitions. */
const UPLOAD_CONCURRENCY = 8;
/** Files finished but not yet in S3 before writes wait (bounds memory). */
const MAX_PENDING_UPLOADS = 32;
/** How often idle partitions are looked for. */
const IDLE_CHECK_MS = 500;

export class S3Sink implements Sink {
  readonly name = "s3";
  readonly durability = "buffered";
  readonly takesLines = true;
  private readonly config: ResolvedConfig;
  private readonly s3: S3Client;
  private encoder?: ParquetEncoder;
  private readonly partitions = new Map<number, PartitionFiles>();
  private readonly tmp = mkdtempSync(join(tmpdir(), "stockpipe-s3-"));
  private seq = 0;
  private idleTimer?: NodeJS.Timeout;
  private closed = false;
  /** A failure retrying cannot fix: every later write and flush throws it. */
  private failure?: StockpipeError;
  /** Files uploading at once. */
  private readonly uploading = new Semaphore(UPLOAD_CONCURRENCY);
  /** Files handed over and not yet in S3: a write waits for a slot, which bounds memory. */
  private readonly pending = new Semaphore(MAX_PENDING_UPLOADS);
  private readonly uploads = new Set<Promise<void>>();
  /** Each file's rows on disk, from its first row until it is in S3 (or the sink gave up on it). */
  private readonly spools = new Map<LakeFile, Spool>();

  constructor(
    private readonly loaded: LoadedConfig,
    private readonly events: SinkEvents = {},
  ) {
    this.config = loaded.config;
    this.s3 = createS3Client(this.config);
  }

  async open(): Promise<void> {
    if (this.config.s3.fileFormat === "parquet") this.encoder = await ParquetEncoder.create();
    this.idleTimer = setInterval(() => this.cutIdle(), IDLE_CHECK_MS);
    this.idleTimer.unref();
  }

  private files(partition: number): PartitionFiles {
    let f = this.partitions.get(partition);
    if (!f) {
      const { market, s3 } = this.config;
      f = new PartitionFiles(partition, this.config.consumer, (ms) =>
        periodOf(marketDayAndMinute(ms, market.timeZone).day, s3.partitionBy),
      );
      this.partitions.set(partition, f);
    }
    return f;
  }

  async write(batch: SinkBatch): Promise<void> {
    if (this.failure) throw this.failure;
    const files = this.files(batch.partition);
    const done = files.append(batch, Date.now());
    // Rows leave memory for disk before anything awaits: a file cut meanwhile (idle) has all its rows queued.
    const written = [...done, files.open].map((file) => file && this.spool(file));
    try {
      await Promise.all(written);
    } catch (err) {
      this.failure ??= new RuntimeError(`could not write the lake's temporary file in ${this.tmp}: ${(err as Error).message}`, {
        hint: "free disk space in the temporary folder (TMPDIR) and start again",
        cause: err,
      });
      throw this.failure;
    }
    for (const file of done) await this.upload(files, file);
  }

  /** Moves a file's pending rows to its spool. */
  private spool(file: LakeFile): Promise<void> {
    let spool = this.spools.get(file);
    if (!spool) {
      spool = new Spool(join(this.tmp, `${file.partition}-${this.seq++}.jsonl`));
      this.spools.set(file, spool);
    }
    return spool.append(file.lines.splice(0));
  }

  durableOffset(partition: number): string | undefined {
    return this.partitions.get(partition)?.durableOffset();
  }

  async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    for (const files of this.partitions.values()) {
      const file = files.cut();
      if (file) await this.upload(files, file);
    }
    while (this.uploads.size > 0) await Promise.all(this.uploads);
    if (this.failure) throw this.failure;
  }

  release(partitions: number[]): void {
    for (const p of partitions) {
      const open = this.partitions.get(p)?.open;
      if (open) {
        void this.spools.get(open)?.remove();
        this.spools.delete(open);
      }
      this.partitions.delete(p);
    }
  }

  /** Partitions that are caught up and idle get their buffer written out, so their rows become queryable. */
  private cutIdle(): void {
    const now = Date.now();
    for (const files of this.partitions.values()) {
      const file = files.cutIfIdle(now);
      if (file) void this.upload(files, file);
    }
  }

  /** Hands a cut file to the uploader; waits only while too many files are pending. */
  private async upload(files: PartitionFiles, file: LakeFile): Promise<void> {
    await this.pending.acquire();
    const done = this.uploadWithRetry(file)
      .then(() => files.landed(file))
      .catch((err) => {
        this.failure ??= s3Error(err, this.loaded, `write ${file.rows} rows of partition ${file.partition}`);
      })
      .finally(async () => {
        await this.spools.get(file)?.remove();
        this.spools.delete(file);
        this.uploads.delete(done);
        this.pending.release();
      });
    this.uploads.add(done);
  }

  private async uploadWithRetry(file: LakeFile): Promise<void> {
    await this.uploading.acquire();
    try {
      // Failures are mapped before the retry sees them: what a retry warning shows is the one-line S3 error.
      const doing = `upload ${file.rows} rows of partition ${file.partition}`;
      await retry(() => this.writeObject(file).catch((err) => Promise.reject(s3Error(err, this.loaded, doing))), {
        isRetriable,
        onRetry: this.events.onRetry,
        shouldStop: () => this.closed,
      });
    } finally {
      this.uploading.release();
    }
  }

  /** One file: its spooled JSON lines → (Parquet) → S3 under its deterministic key. */
  private async writeObject(file: LakeFile): Promise<void> {
    const key = objectKey(this.config, file.folder, file.dt, file.topic, file.partition, file.startOffset);
    await this.spool(file); // every row is spooled already; this makes the spool of a file that has none
    const spool = this.spools.get(file)!;
    await spool.finish();
    if (!this.encoder) {
      await uploadFile(this.s3, this.config.s3.bucket, key, spool.path, "application/x-ndjson");
      return;
    }
    const parquet = `${spool.path}.parquet`;
    try {
      await this.encoder.encode(spool.path, parquet, this.config.s3.compression, file.kind);
      await uploadFile(this.s3, this.config.s3.bucket, key, parquet, "application/vnd.apache.parquet");
    } finally {
      rmSync(parquet, { force: true });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.idleTimer) clearInterval(this.idleTimer);
    this.encoder?.close();
    this.s3.destroy();
    rmSync(this.tmp, { recursive: true, force: true });
  }
}
