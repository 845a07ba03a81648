/**
 * The batching logic alone, with a recording sender in place of kafkajs (the real broker is exercised by the
 * integration tests): batch sizes, linger, in-flight limit, retries, bounded buffer, order of content.
 */
import type { Message } from "kafkajs";
import { describe, expect, it } from "vitest";
import { BatchingProducer } from "../../../src/kafka/producer";

function recorder(options: { delayMs?: number; failFirst?: number; error?: Error } = {}) {
  const batches: string[][] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let failures = options.failFirst ?? 0;
  return {
    batches,
    get maxInFlight() {
      return maxInFlight;
    },
    async send({ messages }: { messages: Message[] }) {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, options.delayMs ?? 1));
      inFlight--;
      if (failures > 0) {
        failures--;
        throw options.error ?? new Error("broker away");
      }
      batches.push(messages.map((m) => String(m.value)));
      // As a broker answers: one entry per partition that took messages.
      return [...new Set(messages.map((m) => m.partition))].map((partition) => ({ topicName: "t", partition, errorCode: 0 }));
    },
  };
}

const base = { topic: "t", batchSize: 10, lingerMs: 5, maxInFlight: 3, acks: -1 as const, compression: "none" as const, bufferMax: 1000 };

describe("BatchingProducer", () => {
  it("sends full batches and flushes the rest, every message once", async () => {
    const r = recorder();
    let delivered = 0;
    const p = new BatchingProducer(r as never, { ...base, onDelivered: (n) => (delivered += n) });
    for (let i = 0; i < 95; i++) await p.send({ value: String(i), partition: i % 3 });
    await p.flush();
    expect(r.batches.slice(0, 9).every((b) => b.length === 10)).toBe(true);
    expect(
      r.batches
        .flat()
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: 95 }, (_, i) => i));
    expect(delivered).toBe(95);
    expect(p.pending).toBe(0);
  });

  it("with lingerMs 0, sends at the end of the turn when the lane is idle and batches while a request is in flight", async () => {
    // Records each request as it leaves; the broker answers after 30 ms.
    const sent: string[][] = [];
    const sender = {
      async send({ messages }: { messages: Message[] }) {
        sent.push(messages.map((m) => String(m.value)));
        await new Promise((r) => setTimeout(r, 30));
        return [{ topicName: "t", partition: 0, errorCode: 0 }];
      },
    };
    const p = new BatchingProducer(sender as never, { ...base, lingerMs: 0, maxInFlight: 1 });
    // One turn of the event loop: these leave together, without waiting for any linger.
    await p.send({ value: "a", partition: 0 });
    await p.send({ value: "b", partition: 0 });
    expect(sent).toEqual([]);
    await new Promise((res) => setImmediate(res));
    expect(sent).toEqual([["a", "b"]]);
    // While that request is in flight, the next messages queue and leave as one batch when it is answered.
    for (const v of ["c", "d", "e"]) {
      await p.send({ value: v, partition: 0 });
      await new Promise((res) => setTimeout(res, 2));
    }
    expect(sent).toEqual([["a", "b"]]);
    await p.flush();
    expect(sent).toEqual([
      ["a", "b"],
      ["c", "d", "e"],
    ]);
    expect(p.pending).toBe(0);
  });

  it("with lingerMs 0, the idle lanes' messages leave in one request, and a busy lane's wait for its answer", async () => {
    const sent: string[][] = [];
    const sender = {
      async send({ messages }: { messages: Message[] }) {
        sent.push(messages.map((m) => String(m.value)));
        await new Promise((r) => setTimeout(r, 20));
        return [...new Set(messages.map((m) => m.partition))].map((partition) => ({ topicName: "t", partition, errorCode: 0 }));
      },
    };
    const p = new BatchingProducer(sender as never, { ...base, lingerMs: 0, maxInFlight: 3 });
    for (const [v, partition] of [
      ["a0", 0],
      ["a1", 1],
      ["a2", 2],
      ["b0", 0],
    ] as const)
      await p.send({ value: v, partition });
    await new Promise((res) => setImmediate(res));
    // Three lanes, one request.
    expect(sent).toEqual([["a0", "b0", "a1", "a2"]]);
    // Lane 0 is busy: its next message waits for the answer; lane 1's does too (same request), so both leave together.
    await p.send({ value: "c0", partition: 0 });
    await p.send({ value: "c1", partition: 1 });
    await new Promise((res) => setImmediate(res));
    expect(sent).toHaveLength(1);
    await p.flush();
    expect(sent.flat()).toEqual(["a0", "b0", "a1", "a2", "c0", "c1"]);
    expect(sent).toHaveLength(2);
  });

  it("sends a partial batch after the linger time without a flush", async () => {
    const r = recorder();
    const p = new BatchingProducer(r as never, { ...base, lingerMs: 20 });
    await p.send({ value: "a", partition: 0 });
    await p.send({ value: "b", partition: 0 });
    expect(r.batches).toEqual([]);
    await new Promise((res) => setTimeout(res, 60));
    expect(r.batches).toEqual([["a", "b"]]);
  });

  it("keeps at most maxInFlight requests in flight", async () => {
    const r = recorder({ delayMs: 10 });
    const p = new BatchingProducer(r as never, { ...base, maxInFlight: 2 });
    for (let i = 0; i < 200; i++) await p.send({ value: String(i), partition: i % 4 });
    await p.flush();
    expect(r.maxInFlight).toBe(2);
    expect(r.batches.flat()).toHaveLength(200);
  });

  it("retries a failed batch until the broker takes it, losing nothing", async () => {
    const r = recorder({ failFirst: 3 });
    const retries: number[] = [];
    const p = new BatchingProducer(r as never, { ...base, maxBackoffMs: 5, onRetry: (_e, attempt) => retries.push(attempt) });
    for (let i = 0; i < 30; i++) await p.send({ value: String(i), partition: i % 4 });
    await p.flush();
    expect(retries.length).toBe(3);
    expect(
      r.batches
        .flat()
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it("cuts batches by bytes as well as by count", async () => {
    const r = recorder();
    const p = new BatchingProducer(r as never, { ...base, batchSize: 1000, maxBatchBytes: 1000 });
    for (let i = 0; i < 50; i++) await p.send({ value: "x".repeat(100), partition: 0 });
    await p.flush();
    expect(r.batches.length).toBeGreaterThanOrEqual(7);
    expect(Math.max(...r.batches.map((b) => b.length))).toBeLessThanOrEqual(6);
    expect(r.batches.flat()).toHaveLength(50);
  });

  it("keeps each partition's messages in order, even across retries", async () => {
    const r = recorder({ failFirst: 2, delayMs: 3 });
    const p = new BatchingProducer(r as never, { ...base, maxInFlight: 2, maxBackoffMs: 5 });
    for (let i = 0; i < 300; i++) await p.send({ value: `${i % 3}:${i}`, partition: i % 3 });
    await p.flush();
    for (const part of [0, 1, 2]) {
      const seen = r.batches
        .flat()
        .filter((v) => v.startsWith(`${part}:`))
        .map((v) => Number(v.split(":")[1]));
      expect(seen).toEqual(Array.from({ length: 100 }, (_, k) => k * 3 + part));
    }
  });

  it("bounds the buffer: send waits while bufferMax messages are unacknowledged", async () => {
    const r = recorder({ delayMs: 30 });
    const p = new BatchingProducer(r as never, { ...base, bufferMax: 20, maxInFlight: 1 });
    let maxPending = 0;
    for (let i = 0; i < 100; i++) {
      await p.send({ value: String(i), partition: i % 4 });
      maxPending = Math.max(maxPending, p.pending);
    }
    await p.flush();
    expect(maxPending).toBeLessThanOrEqual(20);
    expect(r.batches.flat()).toHaveLength(100);
  });

  it("fails on an error retrying cannot fix", async () => {
    const r = recorder({
      failFirst: 1,
      error: Object.assign(new Error("Message too large"), { name: "KafkaJSProtocolError", retriable: false }),
    });
    const p = new BatchingProducer(r as never, { ...base, isRetriable: (e) => (e as { retriable?: boolean }).retriable !== false });
    for (let i = 0; i < 10; i++) await p.send({ value: String(i), partition: 0 });
    await expect(p.flush()).rejects.toThrow("Kafka rejected a batch of 10 messages: Message too large");
  });
});
