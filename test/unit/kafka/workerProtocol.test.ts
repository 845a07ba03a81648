import { describe, expect, it } from "vitest";
import { packChunk, unpackChunk } from "../../../src/kafka/workerProtocol";

describe("produce worker chunks", () => {
  it("carry every message's partition, key, value and produced-at time, in order", () => {
    const messages = Array.from({ length: 300 }, (_, i) => ({
      partition: i % 6,
      key: `SYM${i % 7}`,
      // JSON as the producer makes it: escapes, quotes and non-ASCII stay intact.
      value: JSON.stringify({ symbol: `SYM${i % 7}`, price: i + 0.5, source: `line\nbreak "q" é ${i}` }),
      producedAt: String(1_700_000_000_000 + i),
    }));
    const chunk = packChunk(
      messages.map((m) => m.partition),
      messages.map((m) => m.key),
      messages.map((m) => m.value),
      messages.map((m) => m.producedAt),
    );
    expect(unpackChunk(structuredClone(chunk))).toEqual(messages);
  });

  it("refuse a chunk whose columns disagree instead of pairing the wrong fields", () => {
    const chunk = packChunk([0, 1], ["A", "B"], ["{}", "{}\n{}"], ["1", "2"]);
    expect(() => unpackChunk(chunk)).toThrow("a produce chunk's columns disagree");
  });
});
