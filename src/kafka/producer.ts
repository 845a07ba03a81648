/**
 * kafkajs has no linger: this batches messages itself (by count or by time), keeps several produce requests in
 * flight, and retries a failed batch with backoff for as long as the broker is away. Memory is bounded:
 * `send` waits while `bufferMax` messages are queued or in flight, so a reader slows down instead of dropping.
 */
import kafkajs, { type Message, type Producer } from "kafkajs";
import { RuntimeError } from "../errors";

const { CompressionTypes } = kafkajs;

export interface BatchingOptions {
  topic: string;
  batchSize: number;
  lingerMs: number;
  maxInFlight: number;
  acks: -1 | 0 | 1;
  compression: "none" | "gzip";
  bufferMax: number;
  /** Called after each acknowledged batch with its size. */
  onDelivered?(count: number): void;
  /** Called when a batch failed and will be retried (broker away, leader moving). */
  onRetry?(error: Error, attempt: number, delayMs: number): void;
  /** Errors that retrying cannot fix end the producer. */
  isRetriable?(error: Error): boolean;
  maxBackoffMs?: number;
}

export class BatchingProducer {
  private queue: Message[] = [];
  private inFlight = 0;
  private buffered = 0;
  private timer?: NodeJS.Timeout;
  private failure?: Error;
  private waiters: (() => void)[] = [];
  private idle: (() => void)[] = [];
  private stopped = false;

  constructor(private readonly producer: Pick<Producer, "send">, private readonly o: BatchingOptions) {}

  /** Messages accepted but not yet acknowledged. */
  get pending(): number {
    return this.buffered;
  }

  async send(message: Message): Promise<void> {
    if (this.failure) throw this.failure;
    while (this.buffered >= this.o.bufferMax) {
      await new Promise<void>((r) => this.waiters.push(r));
      if (this.failure) throw this.failure;
    }
    this.queue.push(message);
    this.buffered++;
    if (this.queue.length >= this.o.batchSize) this.dispatch();
    else if (!this.timer) this.timer = setTimeout(() => ((this.timer = undefined), this.dispatch(true)), this.o.lingerMs);
  }

  /** Sends what is queued and resolves when everything accepted so far is acknowledged. */
  async flush(): Promise<void> {
    this.dispatch(true);
    while (this.buffered > 0 && !this.failure) {
      await new Promise<void>((r) => this.idle.push(r));
      this.dispatch(true);
    }
    if (this.failure) throw this.failure;
  }

  /** Gives up on what is not acknowledged (a second Ctrl-C); returns how many messages that drops. */
  abandon(): number {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    return this.buffered;
  }

  private dispatch(partial = false): void {
    if (this.timer && (partial || this.queue.length >= this.o.batchSize)) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.inFlight < this.o.maxInFlight && this.queue.length > 0 && (partial || this.queue.length >= this.o.batchSize)) {
      const batch = this.queue.splice(0, this.o.batchSize);
      this.inFlight++;
      void this.deliver(batch);
    }
    if (this.queue.length > 0 && !this.timer && this.inFlight < this.o.maxInFlight) {
      this.timer = setTimeout(() => ((this.timer = undefined), this.dispatch(true)), this.o.lingerMs);
    }
  }

  private async deliver(batch: Message[]): Promise<void> {
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        await this.producer.send({
          topic: this.o.topic,
          messages: batch,
          acks: this.o.acks,
          compression: this.o.compression === "gzip" ? CompressionTypes.GZIP : CompressionTypes.None,
        });
        break;
      } catch (err) {
        const error = err as Error;
        if (this.o.isRetriable && !this.o.isRetriable(error)) {
          this.fail(new RuntimeError(`Kafka rejected a batch of ${batch.length} messages: ${error.message}`, { cause: error }));
          return;
        }
        const delay = Math.min(this.o.maxBackoffMs ?? 10_000, 250 * 2 ** Math.min(attempt - 1, 6));
        this.o.onRetry?.(error, attempt, delay);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
    this.inFlight--;
    if (this.stopped) return;
    this.buffered -= batch.length;
    this.o.onDelivered?.(batch.length);
    for (const w of this.waiters.splice(0)) w();
    this.dispatch();
    if (this.buffered === 0 || this.inFlight === 0) for (const r of this.idle.splice(0)) r();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.inFlight--;
    for (const w of this.waiters.splice(0)) w();
    for (const r of this.idle.splice(0)) r();
  }
}
