import { describe, expect, it } from "vitest";
import { RuntimeError } from "../../../../src/errors";
import { CommitScheduler, type PartitionOffset } from "../../../../src/pipeline/drain/commits";
import { reassigned, sinkWriter, type WriterContext } from "../../../../src/pipeline/drain/writer";
import { type BatchLoopState, batchLoop } from "../../../../src/pipeline/group/batches";
import { FakeDlq, FakeSink, message, payload, tickMessage } from "../fakes";

/** The drain's writer on the group runner's batch loop, as `drain` wires them, over fakes. */
function context(sink: FakeSink, over: Partial<WriterContext> = {}) {
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
  const ctx: WriterContext = {
    sink,
    dlq,
    commits: scheduler,
    signal: new AbortController().signal,
    interrupted: () => false,
    counts: { consumed: 0, written: 0, dlq: 0, dlqByReason: {} },
    onRetry: (_e, attempt) => void retries.push(attempt),
    aheadBytes: 0,
    fail: (e) => void failures.push(e),
    ...over,
  };
  const loop: BatchLoopState = {
    o: { batchSize: 3, maxMessageBytes: 10_000 },
    signal: ctx.signal,
    positions: new Map(),
    fail: (e) => void failures.push(e),
  };
  const writer = sinkWriter(ctx);
  // What the runner does on a new assignment: positions of lost partitions go, then the handler is told.
  const assign = (partitions: number[]) => {
    for (const p of [...loop.positions.keys()]) if (!partitions.includes(p)) loop.positions.delete(p);
    writer.assigned?.(partitions, "member");
  };
  return { ctx, loop, commits, failures, retries, dlq, scheduler, writer, handle: batchLoop(writer, loop), assign };
}

describe("the drain's batch handling", () => {
  it("sends valid ticks to the sink and bad messages to the DLQ, then moves the partition on", async () => {
    const sink = new FakeSink();
    const { ctx, loop, dlq, scheduler, commits, handle } = context(sink);
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
    await handle(p);
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
    expect(loop.positions.get(2)).toEqual({ next: "15", lag: 0 });
    expect(commits.flat().at(-1)).toEqual({ topic: "ticks", partition: 2, offset: "15" });
  });

  it("retries a sink failure that may pass, with backoff, and writes the chunk once", async () => {
    const sink = new FakeSink();
    sink.failures = [new RuntimeError("Cassandra away", { retriable: true }), new RuntimeError("still away", { retriable: true })];
    const { retries, failures, handle } = context(sink);
    const started = performance.now();
    await handle(payload(0, [tickMessage(0), tickMessage(1)], "2"));
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
    const { failures, retries, scheduler, commits, handle } = context(sink);
    const p = payload(0, [tickMessage(0), tickMessage(1)], "2");
    await handle(p);
    await scheduler.now();
    expect(failures.map((e) => e.message)).toEqual(["Cassandra: table ticks does not exist"]);
    expect(retries).toEqual([]);
    expect(p.resolved).toEqual([]);
    expect(commits).toEqual([]);
  });

  it("treats an unexpected error as a bug: no endless retry", async () => {
    const sink = new FakeSink();
    sink.failures = [new TypeError("x is undefined")];
    const { failures, retries, handle } = context(sink);
    await handle(payload(0, [tickMessage(0)], "1"));
    expect(retries).toEqual([]);
    expect(failures[0]!.name).toBe("InternalError");
    expect(failures[0]!.message).toContain("x is undefined");
  });

  it("never commits past what a buffering sink holds durable", async () => {
    const sink = new FakeSink(true);
    const { scheduler, commits, handle } = context(sink);
    await handle(payload(1, [tickMessage(0), tickMessage(1), tickMessage(2), tickMessage(3)], "4"));
    await scheduler.now();
    expect(commits).toEqual([]);
    await sink.flush();
    await scheduler.now();
    expect(commits).toEqual([[{ topic: "ticks", partition: 1, offset: "4" }]]);
  });

  it("drops what it buffered for partitions a rebalance took away, and never commits them", async () => {
    const sink = new FakeSink(true);
    const { ctx, loop, scheduler, commits, handle, assign } = context(sink);
    await handle(payload(0, [tickMessage(0), tickMessage(1)], "2"));
    await handle(payload(1, [tickMessage(5), tickMessage(6)], "7"));
    assign([1, 4]);
    expect(sink.released).toEqual([[0]]);
    expect([...loop.positions.keys()]).toEqual([1]);
    // Told again with the same assignment: nothing more is lost.
    expect(reassigned(ctx, [1, 4])).toEqual([]);
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
    const { handle } = context(sink, { signal: stop.signal });
    const p = payload(0, [tickMessage(0)], "1");
    await handle(p);
    expect(sink.batches).toEqual([]);
    expect(p.resolved).toEqual([]);
  });
});

/** A sink whose writes wait until the test lets each one finish, in any order it chooses. */
class GatedSink extends FakeSink {
  readonly gates: { partition: number; nextOffset: string; open: () => void }[] = [];
  override async write(batch: Parameters<FakeSink["write"]>[0]): Promise<void> {
    await new Promise<void>((open) => this.gates.push({ partition: batch.partition, nextOffset: batch.nextOffset, open }));
    await super.write(batch);
  }
}

const flushed = () => new Promise((r) => setTimeout(r, 0));

describe("writing ahead of the fetch", () => {
  it("hands a chunk over and returns before it is written; commits only once it is", async () => {
    const sink = new GatedSink();
    const { commits, handle, loop, scheduler } = context(sink, { aheadBytes: 1 << 20 });
    const p = payload(0, [tickMessage(0), tickMessage(1), tickMessage(2)], "3");
    await handle(p);
    // The batch loop is done (the consumer may fetch again) while the write still waits.
    expect(p.resolved).toEqual(["2"]);
    expect(loop.positions.get(0)).toEqual({ next: "3", lag: 0 });
    await flushed();
    expect(sink.gates).toHaveLength(1);
    await scheduler.now();
    expect(commits).toEqual([]);
    sink.gates[0]!.open();
    await flushed();
    await scheduler.now();
    expect(commits.flat()).toEqual([{ topic: "ticks", partition: 0, offset: "3" }]);
  });

  it("writes a partition's chunks in offset order, partitions side by side; nothing committed past an unwritten chunk", async () => {
    const sink = new GatedSink();
    const { commits, handle, scheduler } = context(sink, { aheadBytes: 1 << 20 });
    await handle(payload(0, [tickMessage(0), tickMessage(1), tickMessage(2), tickMessage(3), tickMessage(4), tickMessage(5)], "6"));
    await handle(payload(1, [tickMessage(0)], "1"));
    await flushed();
    // Partition 0's second chunk waits for its first; partition 1 writes meanwhile.
    expect(sink.gates.map((g) => `${g.partition}@${g.nextOffset}`)).toEqual(["0@3", "1@1"]);
    sink.gates[1]!.open();
    await flushed();
    await scheduler.now();
    expect(commits.flat()).toEqual([{ topic: "ticks", partition: 1, offset: "1" }]);
    sink.gates[0]!.open();
    await flushed();
    expect(sink.gates.map((g) => `${g.partition}@${g.nextOffset}`)).toEqual(["0@3", "1@1", "0@6"]);
    await scheduler.now();
    expect(commits.flat().at(-1)).toEqual({ topic: "ticks", partition: 0, offset: "3" });
    sink.gates[2]!.open();
    await flushed();
    await scheduler.now();
    expect(commits.flat().at(-1)).toEqual({ topic: "ticks", partition: 0, offset: "6" });
  });

  it("writes the chunks that queued behind a write in flight as one write, and counts each", async () => {
    const sink = new GatedSink();
    const { ctx, handle, commits, scheduler } = context(sink, { aheadBytes: 1 << 20 });
    await handle(payload(0, [tickMessage(0)], "4"));
    await handle(payload(0, [tickMessage(1)], "4"));
    await handle(payload(0, [tickMessage(2)], "4"));
    await handle(payload(0, [tickMessage(3)], "4"));
    await flushed();
    expect(sink.gates.map((g) => g.nextOffset)).toEqual(["1"]);
    sink.gates[0]!.open();
    await flushed();
    // The three that waited go out together.
    expect(sink.gates.map((g) => g.nextOffset)).toEqual(["1", "4"]);
    sink.gates[1]!.open();
    await flushed();
    expect(sink.batches.map((b) => b.ticks.length)).toEqual([1, 3]);
    expect(ctx.counts).toMatchObject({ consumed: 4, written: 4 });
    await scheduler.now();
    expect(commits.flat().at(-1)).toEqual({ topic: "ticks", partition: 0, offset: "4" });
  });

  it("bounds the bytes in flight: a chunk past the bound waits until an earlier write finishes", async () => {
    const sink = new GatedSink();
    const one = tickMessage(0);
    const size = (one.value?.length ?? 0) + (one.key?.length ?? 0);
    const { handle } = context(sink, { aheadBytes: 3 * size + 1 });
    await handle(payload(0, [tickMessage(0), tickMessage(1), tickMessage(2)], "3"));
    let second = false;
    const pending = handle(payload(1, [tickMessage(0), tickMessage(1), tickMessage(2)], "3")).then(() => {
      second = true;
    });
    await flushed();
    expect(second).toBe(false);
    sink.gates[0]!.open();
    await pending;
    expect(second).toBe(true);
    await flushed();
    sink.gates[1]!.open();
  });

  it("a write that fails stops the run; the chunks after it in its partition are not written, nothing past it committed", async () => {
    const sink = new FakeSink();
    const { commits, handle, failures, scheduler, writer } = context(sink, { aheadBytes: 1 << 20 });
    await handle(payload(0, [tickMessage(0), tickMessage(1), tickMessage(2)], "9"));
    await flushed();
    sink.failures.push(new RuntimeError("table is gone"));
    await handle(payload(0, [tickMessage(3), tickMessage(4), tickMessage(5), tickMessage(6), tickMessage(7), tickMessage(8)], "9"));
    await writer.settle?.(false);
    expect(sink.batches.map((b) => b.nextOffset)).toEqual(["3"]);
    await flushed();
    await scheduler.now();
    expect(failures.map((f) => f.message)).toEqual(["table is gone"]);
    expect(commits.flat()).toEqual([{ topic: "ticks", partition: 0, offset: "3" }]);
  });

  it("settles only after every write handed over has finished", async () => {
    const sink = new GatedSink();
    const ctx = context(sink, { aheadBytes: 1 << 20 });
    const { writer, handle } = ctx;
    await handle(payload(0, [tickMessage(0)], "1"));
    let settled = false;
    const settling = writer.settle!(true).then(() => {
      settled = true;
    });
    await flushed();
    expect(settled).toBe(false);
    sink.gates[0]!.open();
    await settling;
    expect(ctx.commits.flat()).toEqual([{ topic: "ticks", partition: 0, offset: "1" }]);
  });
});
