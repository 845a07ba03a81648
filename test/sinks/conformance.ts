/**
 * The one Sink contract (src/sinks/types.ts), as a suite every sink runs: the Cassandra and S3 sinks against
 * the real services (test/integration/sinks.test.ts), the drain's fake in the unit tests. What a store holds is
 * read back by each harness its own way and compared, field by field, with what was written.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isRetriable, StockpipeError } from "../../src/errors";
import type { Alert } from "../../src/model/alert";
import type { Bar } from "../../src/model/bar";
import type { Tick } from "../../src/model/tick";
import type { Sink, SinkBatch } from "../../src/sinks/types";

export interface Stored {
  ticks: Tick[];
  bars: Bar[];
  alerts: Alert[];
}

export interface SinkHarness {
  /** A sink (not yet opened) on an empty store of its own. */
  fresh(): Promise<Sink>;
  /** Another sink on the last fresh sink's store: a restart. */
  reopen(): Promise<Sink>;
  /** What the store behind the last fresh sink holds. */
  stored(): Promise<Stored>;
  /** A sink whose service cannot be reached, and the failures it reports to its retry callback. */
  unreachable(): Promise<{ sink: Sink; retried: Error[] }>;
  /** A sink whose writes fail for a reason retrying cannot fix (a table or bucket that does not exist). */
  misconfigured(): Promise<Sink>;
}

let n = 0;
/** Ticks of one partition at offsets from..from+count-1, distinct ids and values; whole and fractional volumes, quotes. */
export function ticksAt(partition: number, from: number, count: number): { ticks: Tick[]; offsets: string[] } {
  const ticks: Tick[] = [];
  const offsets: string[] = [];
  for (let i = 0; i < count; i++) {
    n++;
    ticks.push({
      symbol: `SYM${partition}`,
      ts: new Date(Date.UTC(2024, 0, 2, 14, 30, 0, n)).toISOString(),
      price: 100 + n / 100,
      // Every other one a fractional size (a crypto trade's): stored exactly, in a column of its own where the store needs one.
      volume: n % 2 ? 10 * n : 10 * n + 0.00012345,
      // Every third one a quote's top of book: bid and ask with their sizes (a fractional one too).
      ...(n % 3 === 0 ? { bid: 100 + n / 100 - 0.01, ask: 100 + n / 100 + 0.01, bidSize: n, askSize: n + 0.5 } : {}),
      source: "conformance",
      seq: n,
      id: randomUUID(),
    });
    offsets.push(String(from + i));
  }
  return { ticks, offsets };
}

const BAR: Bar = {
  symbol: "SYM0",
  interval: "1m",
  start: "2024-01-02T14:30:00.000Z",
  end: "2024-01-02T14:31:00.000Z",
  open: 100.01,
  high: 100.5,
  low: 99.75,
  close: 100.25,
  volume: 1234.5678,
  vwap: 100.125,
  trades: 17,
  id: "6f1c3a52-2b7d-5e0a-9c4e-1a2b3c4d5e6f",
};

const ALERT: Alert = {
  symbol: "SYM0",
  ts: "2024-01-02T14:30:59.500Z",
  rule: "priceMove",
  severity: "warning",
  value: 3.5,
  threshold: 3,
  message: "SYM0 moved 3.5% in 1m",
  id: "7a2d4b63-3c8e-5f1b-8d5f-2b3c4d5e6f70",
};

/** A batch of partition `partition`: ticks at offsets from.., then a bar and an alert (on partition 0 only). */
export function batchOf(partition: number, from: number, count: number, withOthers = partition === 0): SinkBatch {
  const { ticks, offsets } = ticksAt(partition, from, count);
  const next = from + count + (withOthers ? 2 : 0);
  return {
    topic: "conformance",
    partition,
    ticks,
    offsets,
    values: ticks.map((t) => JSON.stringify(t)),
    bars: withOthers ? [{ record: BAR, offset: String(from + count), value: JSON.stringify(BAR) }] : [],
    alerts: withOthers ? [{ record: ALERT, offset: String(from + count + 1), value: JSON.stringify(ALERT) }] : [],
    nextOffset: String(next),
    caughtUp: true,
  };
}

const byId = <T extends { id?: string }>(list: T[]) => [...list].sort((a, b) => (a.id! < b.id! ? -1 : 1));

/** Nothing past `offset` reported durable (undefined: nothing at all). */
function notPast(durable: string | undefined, offset: number): boolean {
  return durable === undefined || Number(durable) <= offset;
}

/** Opens the sink, runs `work` on it, and closes it, whatever happened. */
async function using(making: Promise<Sink>, work: (sink: Sink) => Promise<void>): Promise<void> {
  const sink = await making;
  try {
    await sink.open();
    await work(sink);
  } finally {
    await sink.close();
  }
}

/** Opens the sink and writes a batch: the first failure seen within `ms`, thrown or reported as retried. */
async function failureOf(sink: Sink, retried: Error[], ms: number): Promise<Error | undefined> {
  let thrown: Error | undefined;
  const running = (async () => {
    await sink.open();
    await sink.write(batchOf(0, 0, 2));
    await sink.flush();
  })().catch((err: Error) => {
    thrown = err;
  });
  try {
    const until = Date.now() + ms;
    while (!thrown && retried.length === 0 && Date.now() < until) await Promise.race([running, new Promise((r) => setTimeout(r, 50))]);
    return thrown ?? retried[0];
  } finally {
    await sink.close();
  }
}

export function sinkConformance(name: string, harness: SinkHarness, timeoutMs = 60_000): void {
  describe(`the Sink contract: ${name}`, () => {
    it(
      "stores every kind as written, and reports a batch durable when it is (write-through at once, buffered after flush)",
      async () => {
        await using(harness.fresh(), async (sink) => {
          const batch = batchOf(0, 0, 5);
          await sink.write(batch);
          if (sink.durability === "write-through") expect(sink.durableOffset(0)).toBe(batch.nextOffset);
          else expect(notPast(sink.durableOffset(0), 0)).toBe(true);
          await sink.flush();
          expect(sink.durableOffset(0)).toBe(batch.nextOffset);
          const stored = await harness.stored();
          expect(byId(stored.ticks)).toEqual(byId(batch.ticks));
          expect(stored.bars).toEqual([BAR]);
          expect(stored.alerts).toEqual([ALERT]);
        });
      },
      timeoutMs,
    );

    it(
      "stores a replayed batch once: the same records, not twice",
      async () => {
        const batch = batchOf(0, 0, 4);
        await using(harness.fresh(), async (first) => {
          await first.write(batch);
          await first.flush();
        });
        // A restart reads the batch again (its commit was lost) and writes it through another sink.
        await using(harness.reopen(), async (sink) => {
          await sink.write(batch);
          await sink.flush();
          const stored = await harness.stored();
          expect(byId(stored.ticks)).toEqual(byId(batch.ticks));
          expect(stored.bars).toEqual([BAR]);
          expect(stored.alerts).toEqual([ALERT]);
        });
      },
      timeoutMs,
    );

    it(
      "keeps each partition's durable offset apart, and an empty batch moves it on",
      async () => {
        await using(harness.fresh(), async (sink) => {
          const a = batchOf(0, 0, 3);
          const b = batchOf(1, 40, 2);
          await sink.write(a);
          await sink.write(b);
          await sink.flush();
          expect(sink.durableOffset(0)).toBe(a.nextOffset);
          expect(sink.durableOffset(1)).toBe(b.nextOffset);
          // A batch of control records only: nothing to store, the partition moves past it.
          await sink.write({ ...batchOf(1, 42, 0), nextOffset: "45" });
          await sink.flush();
          expect(sink.durableOffset(1)).toBe("45");
          expect(sink.durableOffset(7)).toBeUndefined();
          expect(byId((await harness.stored()).ticks)).toEqual(byId([...a.ticks, ...b.ticks]));
        });
      },
      timeoutMs,
    );

    it(
      "forgets a released partition: no durable offset, and nothing it still buffered is stored",
      async () => {
        await using(harness.fresh(), async (sink) => {
          const kept = batchOf(0, 0, 2);
          const released = batchOf(1, 0, 3);
          await sink.write(kept);
          await sink.write(released);
          sink.release([1]);
          expect(sink.durableOffset(1)).toBeUndefined();
          await sink.flush();
          expect(sink.durableOffset(0)).toBe(kept.nextOffset);
          expect(sink.durableOffset(1)).toBeUndefined();
          const ticks = (await harness.stored()).ticks;
          // A write-through sink had stored them already; a buffering one drops them (the new owner re-reads them).
          const expected = sink.durability === "buffered" ? kept.ticks : [...kept.ticks, ...released.ticks];
          expect(byId(ticks)).toEqual(byId(expected));
        });
      },
      timeoutMs,
    );

    it(
      "reports a failure that may pass (the service away) as retriable",
      async () => {
        const { sink, retried } = await harness.unreachable();
        const failure = await failureOf(sink, retried, timeoutMs / 2);
        expect(failure, "the write should have failed").toBeInstanceOf(StockpipeError);
        expect(isRetriable(failure)).toBe(true);
      },
      timeoutMs,
    );

    it(
      "reports a failure retrying cannot fix as not retriable",
      async () => {
        const failure = await failureOf(await harness.misconfigured(), [], timeoutMs / 2);
        expect(failure, "the write should have failed").toBeInstanceOf(StockpipeError);
        expect(isRetriable(failure)).toBe(false);
      },
      timeoutMs,
    );
  });
}
