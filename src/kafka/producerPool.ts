/**
 * Produce through worker threads (`producer.workers`): the main thread reads and encodes ticks, the workers
 * run kafkajs. Partition p always goes to worker p % workers, so each partition keeps its order. The pool
 * bounds what is unacknowledged across all workers by `producer.bufferMax`, like the in-process producer.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { Message } from "kafkajs";
import type { ResolvedConfig } from "../config/schema";
import { RuntimeError } from "../errors";
import { Linger } from "./linger";
import type { BatchingOptions, MessageSink } from "./producer";
import { type FromWorker, packChunk, type ToWorker } from "./workerProtocol";

/** Messages handed to a worker in one postMessage. */
const CHUNK = 256;
/**
 * Each worker's young generation, MB. With Node's default (16 MB semi-spaces) the young generations of the main
 * thread and two workers were a large part of the producer's memory; a worker's live data is its share of
 * `bufferMax`. 24 MB, with `bufferMax` 30,000, brought the producer's peak from ~405 to ~280 MB at about the same
 * speed (16 MB: ~220 MB but 25% more CPU; docs/performance.md).
 */
const WORKER_YOUNG_GENERATION_MB = 24;

/** The built worker script; absent when running from source (tests), where the in-process producer is used. */
export function workerScript(): string | undefined {
  const path = fileURLToPath(new URL("./producerWorker.js", import.meta.url));
  return existsSync(path) ? path : undefined;
}

interface Slot {
  worker: Worker;
  /** The chunk being filled, in columns. */
  partitions: number[];
  keys: string[];
  values: string[];
  producedAt: string[];
  waiting?: { resolve: () => void; reject: (e: Error) => void };
}

export class ProducerPool implements MessageSink {
  private unacked = 0;
  private failure?: Error;
  private waiters: (() => void)[] = [];
  /** Chunks not yet full are posted at the end of this turn of the event loop (or after the linger, at most 5 ms). */
  private readonly linger: Linger;

  private constructor(
    private readonly slots: Slot[],
    private readonly o: Pick<BatchingOptions, "bufferMax" | "lingerMs" | "onDelivered" | "onRetry">,
  ) {
    this.linger = new Linger(Math.min(o.lingerMs, 5), () => this.postAll());
  }

  static async start(script: string, count: number, config: ResolvedConfig, options: BatchingOptions): Promise<ProducerPool> {
    const { onDelivered, onRetry, isRetriable: _r, ...plain } = options;
    const workers = Array.from(
      { length: count },
      () =>
        new Worker(script, {
          workerData: { config, options: plain },
          resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
        }),
    );
    const pool = new ProducerPool(
      workers.map((worker) => ({ worker, partitions: [], keys: [], values: [], producedAt: [] })),
      { bufferMax: options.bufferMax, lingerMs: options.lingerMs, onDelivered, onRetry },
    );
    await Promise.all(pool.slots.map((slot) => pool.attach(slot)));
    return pool;
  }

  private attach(slot: Slot): Promise<void> {
    return new Promise((resolve, reject) => {
      slot.worker.on("message", (m: FromWorker) => {
        switch (m.t) {
          case "ready":
            return resolve();
          case "delivered":
            this.unacked -= m.n;
            this.o.onDelivered?.(m.n, m.ms);
            return this.notify();
          case "retry":
            return this.o.onRetry?.(new Error(m.message), m.attempt, m.delayMs);
          case "flushed":
          case "closed":
            slot.waiting?.resolve();
            slot.waiting = undefined;
            return;
          case "error": {
            const err = new RuntimeError(m.message);
            if (m.startup) return reject(err);
            this.failure ??= err;
            slot.waiting?.reject(err);
            return this.notify();
          }
        }
      });
      slot.worker.on("error", (err) => {
        this.failure ??= new RuntimeError(`a produce worker failed: ${err.message}`);
        reject(this.failure);
        slot.waiting?.reject(this.failure);
        this.notify();
      });
    });
  }

  get pending(): number {
    return this.unacked;
  }

  async send(message: Message): Promise<void> {
    if (this.failure) throw this.failure;
    while (this.unacked >= this.o.bufferMax) {
      await new Promise<void>((r) => this.waiters.push(r));
      if (this.failure) throw this.failure;
    }
    const partition = message.partition ?? 0;
    const slot = this.slots[partition % this.slots.length]!;
    const headers = message.headers as Record<string, string>;
    slot.partitions.push(partition);
    slot.keys.push(String(message.key));
    slot.values.push(String(message.value));
    slot.producedAt.push(headers["produced-at"]!);
    this.unacked++;
    if (slot.partitions.length >= CHUNK) this.post(slot);
    else this.linger.arm();
  }

  async flush(): Promise<void> {
    this.postAll();
    await Promise.all(this.slots.map((slot) => this.request(slot, { t: "flush" })));
    if (this.failure) throw this.failure;
  }

  abandon(): number {
    for (const slot of this.slots) void slot.worker.terminate();
    return this.unacked;
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((slot) => this.request(slot, { t: "close" }).catch(() => {})));
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  private request(slot: Slot, m: ToWorker): Promise<void> {
    return new Promise((resolve, reject) => {
      slot.waiting = { resolve, reject };
      slot.worker.postMessage(m);
    });
  }

  private post(slot: Slot): void {
    if (slot.partitions.length === 0) return;
    slot.worker.postMessage({ t: "batch", chunk: packChunk(slot.partitions, slot.keys, slot.values, slot.producedAt) } satisfies ToWorker);
    slot.partitions = [];
    slot.keys = [];
    slot.values = [];
    slot.producedAt = [];
  }

  private postAll(): void {
    this.linger.cancel();
    for (const slot of this.slots) this.post(slot);
  }

  private notify(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
