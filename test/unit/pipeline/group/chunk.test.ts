import { describe, expect, it } from "vitest";
import { classifyChunk } from "../../../../src/pipeline/group/chunk";
import { ALERT, BAR, message, tick, tickMessage } from "../fakes";

describe("message classification", () => {
  it("marks a chunk caught up only when it ends at the high watermark", () => {
    expect(
      classifyChunk({ topic: "t", partition: 0, highWatermark: "3" }, [tickMessage(1), tickMessage(2)], { maxMessageBytes: 10_000 })
        .caughtUp,
    ).toBe(true);
    expect(
      classifyChunk({ topic: "t", partition: 0, highWatermark: "9" }, [tickMessage(1), tickMessage(2)], { maxMessageBytes: 10_000 })
        .caughtUp,
    ).toBe(false);
  });

  it("keeps a valid message's own JSON, one line; derives a missing id and re-encodes", () => {
    const pretty = JSON.stringify({ ...tick(1), id: "1b5bfa0a-4bd2-5b6c-8c57-0f0c4d8c1a2e" }, null, 2);
    const noId = JSON.stringify({ symbol: "MSFT", ts: "2024-01-02T14:30:00.001Z", price: 5 });
    const withId = JSON.stringify({ ...tick(2), id: "0b5bfa0a-4bd2-5b6c-8c57-0f0c4d8c1a2e" });
    const c = classifyChunk({ topic: "t", partition: 0, highWatermark: "3" }, [message(0, pretty), message(1, noId), message(2, withId)], {
      maxMessageBytes: 10_000,
    });
    expect(c.dead).toEqual([]);
    expect(c.tickValues[0]).toBe(JSON.stringify(JSON.parse(pretty)));
    const derived = JSON.parse(c.tickValues[1]!);
    expect(derived.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(derived).toEqual({ symbol: "MSFT", ts: "2024-01-02T14:30:00.001Z", price: 5, id: derived.id });
    expect(c.tickValues[2]).toBe(withId);
  });

  it("dead-letters a wrong schema header, an oversized message and a null value with their reasons", () => {
    const c = classifyChunk(
      { topic: "t", partition: 4, highWatermark: "3" },
      [message(0, JSON.stringify(tick(0)), { schema: "quote.v2" }), message(1, "x".repeat(200)), message(2, null)],
      { maxMessageBytes: 100 },
    );
    expect(c.ticks).toEqual([]);
    expect(c.dead.map((d) => [d.message.offset, d.partition, d.reason])).toEqual([
      ["0", 4, "wrong schema"],
      ["1", 4, "oversized"],
      ["2", 4, "null value"],
    ]);
    expect(c.nextOffset).toBe("3");
  });

  it("takes bars and alerts by their schema header, and dead-letters a kind the reader does not accept", () => {
    const bar = BAR;
    const alert = ALERT;
    const msgs = [
      message(0, JSON.stringify(bar), { schema: "bar.v1" }),
      message(1, JSON.stringify(alert), { schema: "alert.v1" }),
      message(2, JSON.stringify({ ...bar, high: 0.1 }), { schema: "bar.v1" }),
    ];
    const c = classifyChunk({ topic: "t", partition: 0, highWatermark: "3" }, msgs, { maxMessageBytes: 10_000 });
    expect(c.bars).toEqual([{ record: bar, offset: "0", value: JSON.stringify(bar) }]);
    expect(c.alerts).toEqual([{ record: alert, offset: "1", value: JSON.stringify(alert) }]);
    expect(c.dead.map((d) => [d.reason, d.detail])).toEqual([["invalid bar", "high 0.1 is below low 0.5"]]);
    const ticksOnly = classifyChunk({ topic: "t", partition: 0, highWatermark: "3" }, msgs.slice(0, 1), {
      maxMessageBytes: 10_000,
      accepted: ["tick"],
    });
    expect(ticksOnly.dead.map((d) => [d.reason, d.detail])).toEqual([["wrong schema", 'schema header is "bar.v1", expected tick.v1']]);
  });

  it("moves past the control records (a transaction's marker) that end a fetched batch", () => {
    const c = classifyChunk({ topic: "t", partition: 0, highWatermark: "9" }, [tickMessage(1), tickMessage(2)], {
      maxMessageBytes: 10_000,
      endOffset: "3",
    });
    expect(c.nextOffset).toBe("4");
  });
});
