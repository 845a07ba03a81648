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
 */
import { mkdtempSync, rmSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import type { LoadedConfig } from "../../config/loader";
import type { ResolvedConfig } from "../../config/schema";
import { isRetriable, type StockpipeError } from "../../errors";
import { marketDayAndMinute } from "../../model/time";
import { Semaphore } from "../../util/bounded";
import { retry } from "../../util/retry";
import type { Sink, SinkBatch, SinkEvents } from "../types";
import { createS3Client } from "./client";
import { s3Error } from "./errors";
import { objectKey, periodOf } from "./layout";
import { ParquetEncoder } from "./parquet";
import { type LakeFile, PartitionFiles } from "./rotation";
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
    for (const file of files.append(batch, Date.now())) await this.upload(files, file);
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
    for (const p of partitions) this.partitions.delete(p);
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
        this.failure ??= s3Error(err, this.loaded, `write ${file.lines.length} rows of partition ${file.partition}`);
      })
      .finally(() => {
        this.uploads.delete(done);
        this.pending.release();
      });
    this.uploads.add(done);
  }

  private async uploadWithRetry(file: LakeFile): Promise<void> {
    await this.uploading.acquire();
    try {
      await retry(() => this.writeObject(file), {
        isRetriable: (err) => isRetriable(s3Error(err, this.loaded, "upload")),
        onRetry: this.events.onRetry,
        shouldStop: () => this.closed,
      });
    } finally {
      this.uploading.release();
    }
  }

  /** One file: JSON lines → (Parquet) → S3 under its deterministic key. */
  private async writeObject(file: LakeFile): Promise<void> {
    const key = objectKey(this.config, file.folder, file.dt, file.topic, file.partition, file.startOffset);
    const base = join(this.tmp, `${file.partition}-${this.seq++}`);
    try {
      await writeFile(`${base}.jsonl`, `${file.lines.join("\n")}\n`);
      let path = `${base}.jsonl`;
      if (this.encoder) {
        await this.encoder.encode(`${base}.jsonl`, `${base}.parquet`, this.config.s3.compression, file.kind);
        path = `${base}.parquet`;
      }
      await uploadFile(this.s3, this.config.s3.bucket, key, path, this.encoder ? "application/vnd.apache.parquet" : "application/x-ndjson");
    } finally {
      rmSync(`${base}.jsonl`, { force: true });
      rmSync(`${base}.parquet`, { force: true });
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
