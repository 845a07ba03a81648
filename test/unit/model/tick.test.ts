import { describe, expect, it } from "vitest";
import { decodeTick, encodeTick, finalizeTick, futureProblem, type Tick, tickId, validateTick } from "../../../src/model/tick";

const base: Tick = { symbol: "AAPL", ts: "2024-03-15T13:30:00.123Z", price: 172.5 };

describe("tick v1", () => {
  it("derives a missing id from the tick's identity, the same on every decode", () => {
    const d = decodeTick(Buffer.from(JSON.stringify({ ...base, source: "feed", seq: 3 })));
    expect(d).toMatchObject({ ok: true, idDerived: true });
    if (!d.ok) return;
    expect(d.tick.id).toBe(tickId({ ...base, source: "feed", seq: 3 }));
    expect(decodeTick(JSON.stringify({ ...base, source: "feed", seq: 3 }))).toEqual(d);
    expect(decodeTick(JSON.stringify({ ...base, id: d.tick.id }))).toMatchObject({ ok: true, idDerived: false });
  });

  it("round-trips through the JSON codec field by field", () => {
    const t = finalizeTick({
      ...base,
      open: 170,
      high: 173,
      low: 169.5,
      close: 172.5,
      adjClose: 172.4,
      volume: 1200,
      bid: 172.49,
      ask: 172.51,
      currency: "USD",
      source: "csv:x.csv",
      seq: 7,
    });
    const decoded = decodeTick(Buffer.from(encodeTick(t)));
    expect(decoded).toEqual({ ok: true, tick: t, idDerived: false });
    expect(Object.keys(t)).toEqual([
      "symbol",
      "ts",
      "price",
      "open",
      "high",
      "low",
      "close",
      "adjClose",
      "volume",
      "bid",
      "ask",
      "currency",
      "source",
      "seq",
      "id",
    ]);
  });

  it("derives a deterministic UUID id from symbol, ts, source and seq", () => {
    const a = tickId({ ...base, source: "synthetic", seq: 1 });
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(tickId({ ...base, source: "synthetic", seq: 1 })).toBe(a);
    expect(tickId({ ...base, source: "synthetic", seq: 2 })).not.toBe(a);
    expect(tickId({ ...base, ts: "2024-03-15T13:30:00.124Z", source: "synthetic", seq: 1 })).not.toBe(a);
    expect(finalizeTick({ ...base, price: 999, source: "synthetic", seq: 1 }).id).toBe(a);
  });

  it.each([
    [{ ...base, symbol: "" }, "missing symbol"],
    [{ ...base, symbol: "aapl" }, "invalid symbol"],
    [{ ...base, ts: "2024-03-15" }, "invalid ts"],
    [{ ...base, price: "12" }, "price not a number"],
    [{ ...base, price: Number.NaN }, "price not a number"],
    [{ ...base, price: 0 }, "price not > 0"],
    [{ ...base, price: -1 }, "price not > 0"],
    [{ ...base, volume: -5 }, "volume negative"],
    [{ ...base, volume: 0.000000001 }, "volume too precise"],
    [{ ...base, volume: 1.123456789 }, "volume too precise"],
    [{ ...base, volume: 1234567.123456789 }, "volume too precise"],
    [{ ...base, volume: 2 ** 53 }, "volume too large"],
    [{ ...base, volume: "many" }, "volume not a number"],
    [{ ...base, high: 10, low: 11 }, "high < low"],
    [{ ...base, bid: "x" }, "bid not a number"],
    [{ ...base, bidSize: -1 }, "bidSize negative"],
    [{ ...base, askSize: 0.123456789 }, "askSize too precise"],
    [{ ...base, askSize: "1" }, "askSize not a number"],
    [{ ...base, currency: "usd" }, "invalid currency"],
    [{ ...base, seq: -1 }, "invalid seq"],
  ])("rejects %j as %s", (tick, reason) => {
    expect(validateTick(tick as Record<string, unknown>)?.reason).toBe(reason);
  });

  it.each([
    ["2024-03-15T14:33:00Z", "2024-03-15T14:33:00.000Z"],
    ["2024-03-15T14:33:00.5Z", "2024-03-15T14:33:00.500Z"],
    ["2024-03-15T14:33:00.123456Z", "2024-03-15T14:33:00.123Z"],
    ["2024-03-15T14:33:00.123456789Z", "2024-03-15T14:33:00.123Z"],
    ["2024-03-15T14:33:00+00:00", "2024-03-15T14:33:00.000Z"],
    ["2024-03-15T14:33:00.250+0000", "2024-03-15T14:33:00.250Z"],
    ["2024-03-15 14:33:00Z", "2024-03-15T14:33:00.000Z"],
    ["2024-03-15T16:33:00.000+02:00", "2024-03-15T14:33:00.000Z"],
    ["2024-03-15T09:33:00-05", "2024-03-15T14:33:00.000Z"],
  ])("accepts the ISO-8601 time %s as %s", (ts, canonical) => {
    // Checked against the platform's own parser, not only against the code under test.
    expect(
      new Date(
        ts
          .replace(" ", "T")
          .replace(/(\.\d{3})\d+/, "$1")
          .replace(/([+-]\d{2})$/, "$1:00"),
      ).toISOString(),
    ).toBe(canonical);
    const t = { ...base, ts };
    expect(validateTick(t)).toBeUndefined();
    expect(t.ts).toBe(canonical);
    const d = decodeTick(Buffer.from(JSON.stringify({ ...base, ts })));
    expect(d).toMatchObject({ ok: true, tick: { ts: canonical }, idDerived: true });
    // The same tick as one sent in v1's form: the same id, so both are stored once.
    expect(d.ok && d.tick.id).toBe(tickId({ ...base, ts: canonical }));
  });

  it.each(["2024-03-15T14:33:00", "2024-03-15T14:33Z", "2024-02-30T10:00:00Z", "2024-03-15T25:00:00Z", "15/03/2024 14:33"])(
    "refuses the time %s (no zone, no seconds, or not a time)",
    (ts) => {
      expect(validateTick({ ...base, ts })?.reason).toBe("invalid ts");
    },
  );

  it("reports every problem of a bad record, counted by the first", () => {
    const invalid = validateTick({ symbol: "AAPL", ts: "yesterday", volume: -1, currency: "usd" });
    expect(invalid?.reason).toBe("invalid ts");
    expect(invalid?.detail.split("; ")).toEqual([
      'ts "yesterday" is not an ISO-8601 time with a zone (e.g. 2024-01-02T14:33:00.000Z)',
      "price undefined is not a number",
      "volume must be ≥ 0, got -1",
      'currency "usd" is not a 3-letter code',
    ]);
  });

  it("decodes bad messages to a reason, never a throw", () => {
    expect(decodeTick(null)).toMatchObject({ ok: false, reason: "null value" });
    expect(decodeTick(Buffer.from(JSON.stringify({ ...base, id: "nope" })))).toMatchObject({
      ok: false,
      reason: "invalid id",
      detail: 'id "nope" is not a UUID',
    });
    expect(decodeTick(Buffer.from("{not json"))).toMatchObject({ ok: false, reason: "not JSON" });
    expect(decodeTick(Buffer.from("[1,2]"))).toMatchObject({ ok: false, reason: "not an object" });
    expect(decodeTick(Buffer.from(JSON.stringify({ ...base, extra: 1 })))).toMatchObject({
      ok: false,
      reason: "unknown field",
      detail: "unknown field(s): extra",
    });
    expect(decodeTick(Buffer.from(JSON.stringify({ ...base, price: -3 })))).toMatchObject({ ok: false, reason: "price not > 0" });
  });
});

describe("finalizeTick", () => {
  it("puts every field in the canonical order and derives the id", async () => {
    const { TICK_FIELDS, finalizeTick, tickId } = await import("../../../src/model/tick");
    const shuffled = {
      seq: 7,
      id: undefined,
      source: "s",
      currency: "USD",
      askSize: 0.25,
      bidSize: 4,
      ask: 2,
      bid: 1,
      volume: 3,
      adjClose: 1.4,
      close: 1.5,
      low: 1,
      high: 2,
      open: 1.2,
      price: 1.5,
      ts: "2024-01-02T14:30:00.000Z",
      symbol: "A",
    };
    const t = finalizeTick(shuffled);
    expect(Object.keys(t)).toEqual([...TICK_FIELDS]);
    expect(t.id).toBe(tickId(shuffled));
    expect(Object.keys(finalizeTick({ symbol: "A", ts: "2024-01-02T14:30:00.000Z", price: 1, id: "x" }))).toEqual([
      "symbol",
      "ts",
      "price",
      "id",
    ]);
  });
});

describe("futureProblem", () => {
  const now = Date.parse("2026-12-06T12:00:00.000Z");
  it("takes ticks up to the allowed skew ahead of the clock, and any tick of the past", () => {
    expect(futureProblem(now + 300_000, now, 300_000)).toBeUndefined();
    expect(futureProblem(Date.parse("1990-01-02T00:00:00.000Z"), now, 0)).toBeUndefined();
  });
  it("refuses a tick further ahead, saying how far and what allows it", () => {
    expect(futureProblem(now + 300_001, now, 300_000)).toEqual({
      reason: "ts in the future",
      detail: "ts 2026-12-06T12:05:00.001Z is 300.001 s ahead of the clock (market.maxFutureMs allows 300 s)",
    });
    expect(futureProblem(Date.parse("9999-12-31T23:59:59.000Z"), now, 300_000)?.detail).toBe(
      "ts 9999-12-31T23:59:59.000Z is 2,912,103 days ahead of the clock (market.maxFutureMs allows 300 s)",
    );
  });
});
