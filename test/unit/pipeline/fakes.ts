/** Fakes for the drain's unit tests: a sink that can buffer or fail, a dead-letter queue, a kafkajs batch. */
import type { EachBatchPayload, KafkaMessage } from "kafkajs";
import type { DeadLetter } from "../../../src/kafka/dlq";
import type { Alert } from "../../../src/model/alert";
import type { Bar } from "../../../src/model/bar";
import { encodeTick, type Tick } from "../../../src/model/tick";
import type { Sink, SinkBatch } from "../../../src/sinks/types";

export function tick(i: number, symbol = "AAPL"): Tick {
  return { symbol, ts: new Date(Date.UTC(2024, 0, 2, 14, 30, 0, i)).toISOString(), price: 100 + i, seq: i, source: "test" };
}

export function message(offset: number, value: string | null, headers: Record<string, string> = { schema: "tick.v1" }): KafkaMessage {
  return {
    offset: String(offset),
    key: Buffer.from("AAPL"),
    value: value === null ? null : Buffer.from(value),
    headers,
    timestamp: "0",
    attributes: 0,
    size: 0,
  } as unknown as KafkaMessage;
}

/** A valid bar and alert, as analyze would send them. */
export const BAR: Bar = {
  symbol: "AAPL",
  interval: "1m",
  start: "2024-01-02T14:30:00.000Z",
  end: "2024-01-02T14:31:00.000Z",
  open: 1,
  high: 2,
  low: 0.5,
  close: 1.5,
  volume: 10,
  vwap: 1.2,
  trades: 3,
  id: "x",
};
export const ALERT: Alert = {
  symbol: "AAPL",
  ts: "2024-01-02T14:30:00.000Z",
  rule: "zScore",
  severity: "warning",
  value: 9,
  threshold: 8,
  message: "m",
  id: "y",
};

export function tickMessage(offset: number): KafkaMessage {
  return message(offset, encodeTick(tick(offset)));
}

/** What a fake sink's store holds, by record id: a replayed record overwrites itself. */
export class FakeStore {
  readonly ticks = new Map<string, Tick>();
  readonly bars = new Map<string, Bar>();
  readonly alerts = new Map<string, Alert>();
  put(batch: SinkBatch): void {
    for (const t of batch.ticks) this.ticks.set(t.id!, t);
    for (const b of batch.bars) this.bars.set(b.record.id, b.record);
    for (const a of batch.alerts) this.alerts.set(a.record.id, a.record);
  }
}

/**
 * A sink that records every batch; `buffered` makes it hold rows until flush; `failures` makes writes throw
 * first. Its store keeps records by id, as the real stores do.
 */
export class FakeSink implements Sink {
  readonly name = "fake";
  readonly durability: "write-through" | "buffered";
  readonly batches: SinkBatch[] = [];
  readonly released: number[][] = [];
  failures: Error[] = [];
  private readonly written = new Map<number, string>();
  private readonly durable = new Map<number, string>();
  private readonly pending = new Map<number, SinkBatch[]>();

  constructor(
    buffered = false,
    readonly store = new FakeStore(),
  ) {
    this.durability = buffered ? "buffered" : "write-through";
  }
  async open(): Promise<void> {}
  async write(batch: SinkBatch): Promise<void> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.batches.push(batch);
    this.written.set(batch.partition, batch.nextOffset);
    if (this.durability === "write-through") {
      this.store.put(batch);
      this.durable.set(batch.partition, batch.nextOffset);
    } else this.pending.set(batch.partition, [...(this.pending.get(batch.partition) ?? []), batch]);
  }
  durableOffset(partition: number): string | undefined {
    return this.durable.get(partition);
  }
  async flush(): Promise<void> {
    for (const batches of this.pending.values()) for (const b of batches) this.store.put(b);
    this.pending.clear();
    for (const [p, o] of this.written) this.durable.set(p, o);
  }
  release(partitions: number[]): void {
    this.released.push(partitions);
    for (const p of partitions) {
      this.written.delete(p);
      this.durable.delete(p);
      this.pending.delete(p);
    }
  }
  async close(): Promise<void> {}
}

export class FakeDlq {
  readonly letters: DeadLetter[] = [];
  async send(letters: DeadLetter[]): Promise<void> {
    this.letters.push(...letters);
  }
}

/** An EachBatchPayload over `messages` of one partition, recording what the handler resolved. */
export function payload(partition: number, messages: KafkaMessage[], highWatermark: string): EachBatchPayload & { resolved: string[] } {
  const resolved: string[] = [];
  return {
    batch: { topic: "ticks", partition, highWatermark, messages, lastOffset: () => messages[messages.length - 1]?.offset ?? "-1" } as never,
    resolveOffset: (o: string) => void resolved.push(o),
    heartbeat: async () => {},
    isRunning: () => true,
    isStale: () => false,
    resolved,
  } as unknown as EachBatchPayload & { resolved: string[] };
}
