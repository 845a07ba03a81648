import { describe, expect, it } from "vitest";
import { RuntimeError } from "../../src/errors";
import { type BatchContext, batchHandler, classifyChunk, reassigned } from "../../src/pipeline/drain/batches";
import { CommitScheduler, type PartitionOffset } from "../../src/pipeline/drain/commits";
import { FakeDlq, FakeSink, message, payload, tick, tickMessage } from "./drain-fakes";

function context(sink: FakeSink, over: Partial<BatchContext> = {}) {
  const commits: PartitionOffset[][] = [];
  const failures: Error[] = [];
  const retries: number[] = [];
  const dlq = new FakeDlq();
  const scheduler = new CommitScheduler(
    "ticks",
    (p) => sink.durableOffset(p),
    async (o) => void commits.push(o),
    () => {},
  );
  const ctx: BatchContext = {
    sink,
    dlq,
    commits: scheduler,
    batchSize: 3,
    maxMessageBytes: 10_000,
    signal: new AbortController().signal,
    interrupted: () => false,
    counts: { consumed: 0, written: 0, dlq: 0, dlqByReason: {} },
    positions: new Map(),
    fail: (e) => void failures.push(e),
    onRetry: (_e, attempt) => void retries.push(attempt),
    ...over,
  };
  return { ctx, commits, failures, retries, dlq, scheduler };
}

describe("the drain's batch handling", () => {
  it("sends valid ticks to the sink and bad messages to the DLQ, then moves the partition on", async () => {
    const sink = new FakeSink();
    const { ctx, dlq, scheduler, commits } = context(sink);
    const p = payload(
      2,
      [
        tickMessage(10),
        message(11, "not json"),
        tickMessage(12),
        message(13, JSON.stringify({ symbol: "AAPL", ts: "2024-01-02T14:30:00.000Z", price: -1 })),
        tickMessage(14),
      ],
      "15",
    );
    await batchHandler(ctx)(p);
    await scheduler.now();
    // Chunks of 3: [10, 11, 12] and [13, 14].
    expect(sink.batches.map((b) => b.offsets)).toEqual([["10", "12"], ["14"]]);
    expect(sink.batches.map((b) => b.ticks.map((t) => t.price))).toEqual([[110, 112], [114]]);
    expect(sink.batches.map((b) => b.nextOffset)).toEqual(["13", "15"]);
    expect(dlq.letters.map((l) => [l.message.offset, l.reason])).toEqual([
      ["11", "not JSON"],
      ["13", "price not > 0"],
    ]);
    expect(p.resolved).toEqual(["12", "14"]);
    expect(ctx.counts).toEqual({ consumed: 5, written: 3, dlq: 2, dlqByReason: { "not JSON": 1, "price not > 0": 1 } });
    expect(ctx.positions.get(2)).toEqual({ next: "15", lag: 0 });
    expect(commits.flat().at(-1)).toEqual({ topic: "ticks", partition: 2, offset: "15" });
  });

  it("retries a sink failure that may pass, with backoff, and writes the chunk once", async () => {
    const sink = new FakeSink();
    sink.failures = [new RuntimeError("Cassandra away", { retriable: true }), new RuntimeError("still away", { retriable: true })];
    const { ctx, retries, failures } = context(sink);
    const started = performance.now();
    await batchHandler(ctx)(payload(0, [tickMessage(0), tickMessage(1)], "2"));
    expect(retries).toEqual([1, 2]);
    // 200 ms then 400 ms.
    expect(performance.now() - started).toBeGreaterThanOrEqual(550);
    expect(failures).toEqual([]);
    expect(sink.batches).toHaveLength(1);
    expect(sink.batches[0]!.offsets).toEqual(["0", "1"]);
  });

  it("stops on a failure retrying cannot fix, without resolving or committing the chunk", async () => {
    const sink = new FakeSink();
    sink.failures = [new RuntimeError("Cassandra: table ticks does not exist", { retriable: false })];
    const { ctx, failures, retries, scheduler, commits } = context(sink);
    const p = payload(0, [tickMessage(0), tickMessage(1)], "2");
    await batchHandler(ctx)(p);
    await scheduler.now();
    expect(failures.map((e) => e.message)).toEqual(["Cassandra: table ticks does not exist"]);
    expect(retries).toEqual([]);
    expect(p.resolved).toEqual([]);
    expect(commits).toEqual([]);
  });

  it("treats an unexpected error as a bug: no endless retry", async () => {
    const sink = new FakeSink();
    sink.failures = [new TypeError("x is undefined")];
    const { ctx, failures, retries } = context(sink);
    await batchHandler(ctx)(payload(0, [tickMessage(0)], "1"));
    expect(retries).toEqual([]);
    expect(failures[0]!.name).toBe("InternalError");
    expect(failures[0]!.message).toContain("x is undefined");
  });

  it("never commits past what a buffering sink holds durable", async () => {
    const sink = new FakeSink(true);
    const { ctx, scheduler, commits } = context(sink);
    await batchHandler(ctx)(payload(1, [tickMessage(0), tickMessage(1), tickMessage(2), tickMessage(3)], "4"));
    await scheduler.now();
    expect(commits).toEqual([]);
    await sink.flush();
    await scheduler.now();
    expect(commits).toEqual([[{ topic: "ticks", partition: 1, offset: "4" }]]);
  });

  it("drops what it buffered for partitions a rebalance took away, and never commits them", async () => {
    const sink = new FakeSink(true);
    const { ctx, scheduler, commits } = context(sink);
    const handle = batchHandler(ctx);
    await handle(payload(0, [tickMessage(0), tickMessage(1)], "2"));
    await handle(payload(1, [tickMessage(5), tickMessage(6)], "7"));
    expect(reassigned(ctx, [1, 4])).toEqual([0]);
    expect(sink.released).toEqual([[0]]);
    expect([...ctx.positions.keys()]).toEqual([1]);
    // A chunk of the lost partition that was in flight during the rebalance is dropped too.
    const late = payload(0, [tickMessage(2)], "3");
    await handle(late);
    expect(sink.released).toEqual([[0], [0]]);
    expect(late.resolved).toEqual([]);
    await sink.flush();
    await scheduler.now();
    expect(commits).toEqual([[{ topic: "ticks", partition: 1, offset: "7" }]]);
  });

  it("does not start a new chunk once stopped", async () => {
    const sink = new FakeSink();
    const stop = new AbortController();
    stop.abort();
    const { ctx } = context(sink, { signal: stop.signal });
    const p = payload(0, [tickMessage(0)], "1");
    await batchHandler(ctx)(p);
    expect(sink.batches).toEqual([]);
    expect(p.resolved).toEqual([]);
  });
});

describe("message classification", () => {
  it("marks a chunk caught up only when it ends at the high watermark", () => {
    expect(
      classifyChunk({ topic: "t", partition: 0, highWatermark: "3" }, [tickMessage(1), tickMessage(2)], 10_000, false).batch.caughtUp,
    ).toBe(true);
    expect(
      classifyChunk({ topic: "t", partition: 0, highWatermark: "9" }, [tickMessage(1), tickMessage(2)], 10_000, false).batch.caughtUp,
    ).toBe(false);
  });

  it("keeps a valid message's own JSON, one line; derives a missing id and re-encodes", () => {
    const pretty = JSON.stringify({ ...tick(1), id: "1b5bfa0a-4bd2-5b6c-8c57-0f0c4d8c1a2e" }, null, 2);
    const noId = JSON.stringify({ symbol: "MSFT", ts: "2024-01-02T14:30:00.001Z", price: 5 });
    const withId = JSON.stringify({ ...tick(2), id: "0b5bfa0a-4bd2-5b6c-8c57-0f0c4d8c1a2e" });
    const c = classifyChunk(
      { topic: "t", partition: 0, highWatermark: "3" },
      [message(0, pretty), message(1, noId), message(2, withId)],
      10_000,
      false,
    );
    expect(c.dead).toEqual([]);
    expect(c.batch.values[0]).toBe(JSON.stringify(JSON.parse(pretty)));
    const derived = JSON.parse(c.batch.values[1]!);
    expect(derived.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(derived).toEqual({ symbol: "MSFT", ts: "2024-01-02T14:30:00.001Z", price: 5, id: derived.id });
    expect(c.batch.values[2]).toBe(withId);
  });

  it("dead-letters a wrong schema header, an oversized message and a null value with their reasons", () => {
    const c = classifyChunk(
      { topic: "t", partition: 4, highWatermark: "3" },
      [message(0, JSON.stringify(tick(0)), { schema: "quote.v2" }), message(1, "x".repeat(200)), message(2, null)],
      100,
      false,
    );
    expect(c.batch.ticks).toEqual([]);
    expect(c.dead.map((d) => [d.message.offset, d.partition, d.reason])).toEqual([
      ["0", 4, "wrong schema"],
      ["1", 4, "oversized"],
      ["2", 4, "null value"],
    ]);
    expect(c.batch.nextOffset).toBe("3");
  });

  it("takes bars and alerts by their schema header, and dead-letters a kind the reader does not accept", () => {
    const bar = {
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
    const alert = {
      symbol: "AAPL",
      ts: "2024-01-02T14:30:00.000Z",
      rule: "zScore",
      severity: "warning",
      value: 9,
      threshold: 8,
      message: "m",
      id: "y",
    };
    const msgs = [
      message(0, JSON.stringify(bar), { schema: "bar.v1" }),
      message(1, JSON.stringify(alert), { schema: "alert.v1" }),
      message(2, JSON.stringify({ ...bar, high: 0.1 }), { schema: "bar.v1" }),
    ];
    const c = classifyChunk({ topic: "t", partition: 0, highWatermark: "3" }, msgs, 10_000, false);
    expect(c.batch.bars).toEqual([{ record: bar, offset: "0", value: JSON.stringify(bar) }]);
    expect(c.batch.alerts).toEqual([{ record: alert, offset: "1", value: JSON.stringify(alert) }]);
    expect(c.dead.map((d) => [d.reason, d.detail])).toEqual([["invalid bar", "high 0.1 is below low 0.5"]]);
    const ticksOnly = classifyChunk({ topic: "t", partition: 0, highWatermark: "3" }, msgs.slice(0, 1), 10_000, false, ["tick"]);
    expect(ticksOnly.dead.map((d) => [d.reason, d.detail])).toEqual([["wrong schema", 'schema header is "bar.v1", expected tick.v1']]);
  });

  it("moves past the control records (a transaction's marker) that end a fetched batch", () => {
    const c = classifyChunk(
      { topic: "t", partition: 0, highWatermark: "9" },
      [tickMessage(1), tickMessage(2)],
      10_000,
      false,
      undefined,
      "3",
    );
    expect(c.batch.nextOffset).toBe("4");
  });
});
