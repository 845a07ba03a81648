/**
 * kafkajs has no linger: this batches messages itself, keeps several produce requests in flight, and retries a
 * failed batch with backoff for as long as the broker is away. Batches form while a lane's request is in flight
 * (adaptive linger, `lingerMs` 0): a message arriving at an idle lane leaves at the end of the current turn of
 * the event loop, with whatever arrived in the same turn, so at low rates nothing waits and at high rates the
 * batches fill. A `lingerMs` above 0 also waits that long for a batch to fill, as Kafka's own producer does.
 * Memory is bounded: `send` waits while `bufferMax` messages are queued or in flight, so a reader slows down
 * instead of dropping.
 *
 * Order: messages carry their partition, and each partition belongs to one lane; a lane has at most one
 * request in flight and retries it before sending the next. So a symbol's ticks (one key, one partition) reach
 * the broker in the order they were sent, even across retries, while `maxInFlight` lanes work in parallel.
 */
import kafkajs, { type Message, type RecordMetadata } from "kafkajs";
import { RuntimeError } from "../errors";
import { retry } from "../util/retry";
import { sendAcknowledged } from "./acknowledged";
import { Linger } from "./linger";

const { CompressionTypes } = kafkajs;

export interface BatchingOptions {
  topic: string;
  batchSize: number;
  /** A batch is also cut at this many bytes (approximate), below the broker's message.max.bytes. */
  maxBatchBytes?: number;
  /** How long a partial batch waits to fill; 0: adaptive (sent as soon as its lane has no request in flight). */
  lingerMs: number;
  /** Lanes, each with one request in flight. */
  maxInFlight: number;
  acks: -1 | 0 | 1;
  compression: "none" | "gzip";
  bufferMax: number;
  /** Called after each acknowledged batch with its size and how long its request took (retries included). */
  onDelivered?(count: number, ms: number): void;
  /** Called when a batch failed and will be retried (broker away, leader moving). */
  onRetry?(error: Error, attempt: number, delayMs: number): void;
  /** Errors that retrying cannot fix end the producer. */
  isRetriable?(error: Error): boolean;
  maxBackoffMs?: number;
}

/** What the produce command writes to: the in-process producer or the worker pool. */
export interface MessageSink {
  send(message: Message): Promise<void>;
  /** Resolves when everything accepted so far is acknowledged. */
  flush(): Promise<void>;
  /** Messages accepted but not yet acknowledged. */
  readonly pending: number;
  /** Gives up on what is not acknowledged; returns how many messages that drops. */
  abandon(): number;
}

interface Lane {
  queue: Message[];
  /** Approximate bytes queued. */
  bytes: number;
  busy: boolean;
}

/** Kafka's default message.max.bytes is about 1 MB: stay well below it. */
const DEFAULT_MAX_BATCH_BYTES = 512 * 1024;

function sizeOf(m: Message): number {
  const v = m.value;
  return (typeof v === "string" ? v.length : (v?.length ?? 0)) + (typeof m.key === "string" ? m.key.length : (m.key?.length ?? 0)) + 48;
}

type Sender = { send(record: { topic: string; messages: Message[]; acks: number; compression: number }): Promise<RecordMetadata[]> };

export class BatchingProducer implements MessageSink {
  private readonly lanes: Lane[];
  private buffered = 0;
  private roundRobin = 0;
  private readonly linger: Linger;
  private failure?: Error;
  private waiters: (() => void)[] = [];
  private stopped = false;
  private readonly maxBytes: number;

  constructor(
    private readonly producer: Sender,
    private readonly o: BatchingOptions,
  ) {
    this.lanes = Array.from({ length: Math.max(1, o.maxInFlight) }, () => ({ queue: [], bytes: 0, busy: false }));
    this.maxBytes = o.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
    this.linger = new Linger(o.lingerMs, () => this.dispatchIdle());
  }

  /** Messages accepted but not yet acknowledged. */
  get pending(): number {
    return this.buffered;
  }

  async send(message: Message): Promise<void> {
    if (this.failure) throw this.failure;
    while (this.buffered >= this.o.bufferMax) {
      await this.changed();
      if (this.failure) throw this.failure;
    }
    const laneIndex = message.partition !== undefined ? message.partition % this.lanes.length : this.roundRobin++ % this.lanes.length;
    const lane = this.lanes[laneIndex]!;
    lane.queue.push(message);
    lane.bytes += sizeOf(message);
    this.buffered++;
    if (this.full(lane)) this.dispatch(lane);
    // A busy lane's messages leave when its request is answered, unless a linger is set.
    else if (!lane.busy || this.o.lingerMs > 0) this.armTimer();
  }

  /** Sends what is queued and resolves when everything accepted so far is acknowledged. */
  async flush(): Promise<void> {
    while (this.buffered > 0 && !this.failure) {
      this.dispatchIdle();
      await this.changed();
    }
    if (this.failure) throw this.failure;
  }

  /** Gives up on what is not acknowledged (a second Ctrl-C); returns how many messages that drops. */
  abandon(): number {
    this.stopped = true;
    this.linger.cancel();
    return this.buffered;
  }

  private changed(): Promise<void> {
    return new Promise((r) => this.waiters.push(r));
  }

  private notify(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Dispatches the idle lanes after the linger: at the end of this turn of the event loop when it is 0. */
  private armTimer(): void {
    if (!this.stopped) this.linger.arm();
  }

  private full(lane: Lane): boolean {
    return lane.queue.length >= this.o.batchSize || lane.bytes >= this.maxBytes;
  }

  /** A full lane's batch, alone in its request. */
  private dispatch(lane: Lane): void {
    this.request([lane]);
  }

  /**
   * Every idle lane with messages, together in one request (up to a batch): at low rates the lanes' few messages
   * each would otherwise cost a request of their own. Each lane still has one request in flight at most.
   */
  private dispatchIdle(): void {
    this.request(this.lanes.filter((lane) => !lane.busy && lane.queue.length > 0));
  }

  /** Takes from the lanes, in turn, up to `batchSize` messages and `maxBytes`, and sends them as one request. */
  private request(lanes: Lane[]): void {
    if (this.stopped) return;
    const taken: Lane[] = [];
    const batch: Message[] = [];
    let bytes = 0;
    for (const lane of lanes) {
      if (lane.busy || lane.queue.length === 0) continue;
      let count = 0;
      let laneBytes = 0;
      while (count < lane.queue.length && batch.length + count < this.o.batchSize) {
        const size = sizeOf(lane.queue[count]!);
        if (batch.length + count > 0 && bytes + laneBytes + size > this.maxBytes) break;
        laneBytes += size;
        count++;
      }
      if (count === 0) break;
      lane.busy = true;
      lane.bytes -= laneBytes;
      bytes += laneBytes;
      for (const m of lane.queue.splice(0, count)) batch.push(m);
      taken.push(lane);
    }
    if (batch.length > 0) void this.deliver(taken, batch);
  }

  private async deliver(lanes: Lane[], batch: Message[]): Promise<void> {
    const sentAt = performance.now();
    try {
      await retry(
        () =>
          sendAcknowledged(
            ([pending]) =>
              this.producer.send({
                topic: this.o.topic,
                messages: pending!.messages,
                acks: this.o.acks,
                compression: this.o.compression === "gzip" ? CompressionTypes.GZIP : CompressionTypes.None,
              }),
            [{ topic: this.o.topic, messages: batch }],
            { acks: this.o.acks },
          ),
        {
          isRetriable: (e) => this.o.isRetriable?.(e) ?? true,
          onRetry: this.o.onRetry,
          shouldStop: () => this.stopped,
          baseMs: 250,
          maxMs: this.o.maxBackoffMs,
        },
      );
    } catch (err) {
      for (const lane of lanes) lane.busy = false;
      if (this.stopped) return;
      this.failure ??= new RuntimeError(`Kafka rejected a batch of ${batch.length} messages: ${(err as Error).message}`, { cause: err });
      this.notify();
      return;
    }
    for (const lane of lanes) lane.busy = false;
    if (this.stopped) return;
    this.buffered -= batch.length;
    this.o.onDelivered?.(batch.length, performance.now() - sentAt);
    for (const lane of lanes) {
      if (this.full(lane)) this.dispatch(lane);
      else if (lane.queue.length > 0) this.armTimer();
    }
    this.notify();
  }
}
