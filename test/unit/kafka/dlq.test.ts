import type { Message } from "kafkajs";
import { describe, expect, it } from "vitest";
import { DeadLetterQueue, dlqTopic, MAX_REQUEST_BYTES } from "../../../src/kafka/dlq";
import { message } from "../pipeline/fakes";

describe("the dead-letter queue", () => {
  it("keeps the original bytes, key and headers and adds why and where", async () => {
    const sent: { topic: string; acks: number; messages: Message[] }[] = [];
    const dlq = new DeadLetterQueue({ send: async (r) => void sent.push(r) }, "ticks");
    const bad = message(41, "not json", { schema: "tick.v1", trace: "abc" });
    await dlq.send([{ message: bad, partition: 5, reason: "not JSON", detail: "not JSON: Unexpected token" }]);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.topic).toBe(dlqTopic("ticks"));
    expect(sent[0]!.acks).toBe(-1);
    const m = sent[0]!.messages[0]!;
    expect(m.value).toEqual(Buffer.from("not json"));
    expect(m.key).toEqual(Buffer.from("AAPL"));
    expect(m.headers).toMatchObject({
      schema: "tick.v1",
      trace: "abc",
      "dlq-reason": "not JSON",
      "dlq-detail": "not JSON: Unexpected token",
      "dlq-topic": "ticks",
      "dlq-partition": "5",
      "dlq-offset": "41",
    });
  });

  it("splits big dead letters into requests under the size limit, in order, none lost", async () => {
    const sent: Message[][] = [];
    const dlq = new DeadLetterQueue({ send: async (r) => void sent.push(r.messages) }, "ticks");
    const letters = Array.from({ length: 9 }, (_, i) => ({
      message: message(i, "x".repeat(200_000)),
      partition: 0,
      reason: "oversized",
      detail: "",
    }));
    await dlq.send(letters);
    expect(sent.length).toBeGreaterThan(1);
    for (const request of sent) expect(request.reduce((n, m) => n + (m.value as Buffer).length, 0)).toBeLessThanOrEqual(MAX_REQUEST_BYTES);
    expect(sent.flat().map((m) => m.headers!["dlq-offset"])).toEqual(letters.map((l) => l.message.offset));
  });

  it("sends nothing for no dead letters", async () => {
    let calls = 0;
    await new DeadLetterQueue({ send: async () => void calls++ }, "ticks").send([]);
    expect(calls).toBe(0);
  });
});
