import { describe, expect, it } from "vitest";
import { RuntimeError } from "../../../../src/errors";
import { type BatchLoopState, batchLoop } from "../../../../src/pipeline/group/batches";
import type { Chunk } from "../../../../src/pipeline/group/chunk";
import type { GroupHandler } from "../../../../src/pipeline/group/handler";
import { message, payload, tickMessage } from "../fakes";

function state(over: Partial<BatchLoopState> = {}) {
  const failures: Error[] = [];
  const s: BatchLoopState = {
    o: { batchSize: 2, maxMessageBytes: 10_000 },
    signal: new AbortController().signal,
    positions: new Map(),
    fail: (e) => void failures.push(e),
    ...over,
  };
  return { s, failures };
}

/** A handler that records each chunk, and answers `answers` in turn (true when absent). */
function recorder(answers: (boolean | Error)[] = [], ready?: (p: number) => Promise<string | undefined>) {
  const chunks: Chunk[] = [];
  const handled: string[] = [];
  const h: GroupHandler = {
    ready,
    async handle(chunk) {
      chunks.push(chunk);
      const a = answers.shift() ?? true;
      if (a instanceof Error) throw a;
      return a;
    },
    handled: (chunk) => void handled.push(chunk.nextOffset),
  };
  return { h, chunks, handled };
}

describe("the group runner's batch loop", () => {
  it("hands a batch over in classified chunks of batchSize, in order, and moves the partition after each", async () => {
    const r = recorder();
    const { s: st } = state();
    const p = payload(1, [tickMessage(5), message(6, "bad"), tickMessage(7), tickMessage(8), tickMessage(9)], "12");
    await batchLoop(r.h, st)(p);
    expect(r.chunks.map((c) => c.messages.map((m) => m.offset))).toEqual([["5", "6"], ["7", "8"], ["9"]]);
    expect(r.chunks.map((c) => c.tickOffsets)).toEqual([["5"], ["7", "8"], ["9"]]);
    expect(r.chunks[0]!.dead.map((d) => [d.message.offset, d.reason])).toEqual([["6", "not JSON"]]);
    expect(r.handled).toEqual(["7", "9", "10"]);
    expect(p.resolved).toEqual(["6", "8", "9"]);
    expect(st.positions.get(1)).toEqual({ next: "10", lag: 2 });
    expect(st.firstBatchAt).toBeGreaterThan(0);
  });

  it("skips the messages before the offset the handler is ready from, and resolves them", async () => {
    const r = recorder([], async () => "8");
    const { s } = state();
    const p = payload(0, [tickMessage(6), tickMessage(7), tickMessage(8), tickMessage(9)], "10");
    await batchLoop(r.h, s)(p);
    expect(r.chunks.map((c) => c.messages.map((m) => m.offset))).toEqual([["8", "9"]]);
    expect(p.resolved).toEqual(["7", "9"]);
  });

  it("leaves the rest of the batch when the handler lets the partition go", async () => {
    const r = recorder([true, false]);
    const { s } = state();
    const p = payload(0, [tickMessage(0), tickMessage(1), tickMessage(2), tickMessage(3), tickMessage(4)], "5");
    await batchLoop(r.h, s)(p);
    expect(r.chunks).toHaveLength(2);
    expect(p.resolved).toEqual(["1"]);
    expect(s.positions.get(0)).toEqual({ next: "2", lag: 3 });
  });

  it("stops the run on a handler's failure, and on a handler that cannot be readied, without resolving anything", async () => {
    const r = recorder([new RuntimeError("Cassandra: unconfigured table ticks")]);
    const { s, failures } = state();
    const p = payload(0, [tickMessage(0), tickMessage(1), tickMessage(2)], "3");
    await batchLoop(r.h, s)(p);
    expect(failures.map((e) => e.message)).toEqual(["Cassandra: unconfigured table ticks"]);
    expect(p.resolved).toEqual([]);
    expect(r.chunks).toHaveLength(1);

    const never = recorder([], async () => {
      throw new RuntimeError("cannot open partition 0");
    });
    const second = state();
    await batchLoop(never.h, second.s)(payload(0, [tickMessage(0)], "1"));
    expect(second.failures.map((e) => e.message)).toEqual(["cannot open partition 0"]);
    expect(never.chunks).toEqual([]);
  });

  it("says nothing of a failure once stopped (an interrupt while a write was retried)", async () => {
    const stop = new AbortController();
    const r: GroupHandler = {
      async handle() {
        stop.abort();
        throw new RuntimeError("interrupted while retrying");
      },
    };
    const { s, failures } = state({ signal: stop.signal });
    await batchLoop(r, s)(payload(0, [tickMessage(0)], "1"));
    expect(failures).toEqual([]);
  });

  it("classifies with the kinds the handler takes and keeps produced-at times when asked", async () => {
    const r = recorder();
    const { s } = state({ o: { batchSize: 10, maxMessageBytes: 10_000, accepted: ["tick"], withTimes: true } });
    const withTime = tickMessage(0);
    withTime.headers = { schema: "tick.v1", "produced-at": "1700000000000.5" };
    withTime.timestamp = "1700000000001";
    await batchLoop(r.h, s)(payload(0, [withTime, message(1, "{}", { schema: "bar.v1" })], "2"));
    const c = r.chunks[0]!;
    expect(c.producedAt).toEqual([1700000000000.5]);
    expect(c.sentAt).toEqual([1700000000001]);
    expect(c.fetchedAt).toBeGreaterThan(1700000000001);
    expect(c.dead.map((d) => d.reason)).toEqual(["wrong schema"]);
  });
});
