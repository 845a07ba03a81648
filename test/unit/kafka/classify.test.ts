import { describe, expect, it } from "vitest";
import { classifyMessage } from "../../../src/kafka/classify";
import { message, tick } from "../pipeline/fakes";

describe("classifying a message", () => {
  it("takes a message without a schema header as a tick, and keeps its own bytes", () => {
    const text = JSON.stringify({ ...tick(1), id: "0b5bfa0a-4bd2-5b6c-8c57-0f0c4d8c1a2e" });
    const m = message(0, text, {});
    m.headers = undefined;
    expect(classifyMessage(m, 10_000)).toEqual({ ok: true, kind: "tick", tick: JSON.parse(text), text });
  });

  it("re-encodes a tick whose id it derived, so every store keeps the same id", () => {
    const c = classifyMessage(message(0, JSON.stringify({ symbol: "AAPL", ts: "2024-01-02T14:30:00.000Z", price: 1 })), 10_000);
    expect(c.ok && c.kind === "tick" && JSON.parse(c.text).id).toBe(c.ok && c.kind === "tick" ? c.tick.id : "");
  });

  it("gives each bad message its reason and detail", () => {
    const reasons = [
      message(0, "x".repeat(250)),
      message(1, JSON.stringify(tick(1)), { schema: "tick.v9" }),
      message(2, null, { schema: "bar.v1" }),
      message(3, JSON.stringify({ symbol: "A" }), { schema: "alert.v1" }),
      message(4, "[1]"),
    ].map((m) => classifyMessage(m, 200));
    expect(reasons.map((r) => (r.ok ? "ok" : r.reason))).toEqual([
      "oversized",
      "wrong schema",
      "null value",
      "invalid alert",
      "not an object",
    ]);
    expect(reasons[0]).toMatchObject({ detail: "250 bytes, more than consumer.maxMessageBytes (200)" });
    expect(reasons[1]).toMatchObject({ detail: 'schema header is "tick.v9", expected tick.v1, bar.v1, alert.v1' });
  });

  it("refuses a kind the reader does not take", () => {
    expect(classifyMessage(message(0, JSON.stringify(tick(1))), 10_000, ["bar"])).toMatchObject({
      ok: false,
      reason: "wrong schema",
      detail: 'schema header is "tick.v1", expected bar.v1',
    });
  });
});
