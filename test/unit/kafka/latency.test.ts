import { describe, expect, it } from "vitest";
import { LatencyRecorder } from "../../../src/kafka/latency";
import type { Tick } from "../../../src/model/tick";

const tick = (ms: number): Tick => ({ symbol: "AAPL", ts: new Date(ms).toISOString(), price: 1, source: "synthetic", seq: ms });

describe("latency recorder", () => {
  it("measures event time → now per row, leaves out the warm-up, and splits the stages", () => {
    const now = performance.timeOrigin + performance.now();
    const base = Math.floor(now) - 10_000;
    const r = new LatencyRecorder(2000);
    // Warm-up: the first 2 s of event time from the first row seen.
    r.record([tick(base), tick(base + 1999)], [Number.NaN, Number.NaN], [Number.NaN, Number.NaN], now);
    // 100 rows with event times 1..100 ms before now: produced 1 ms after the event, sent 2 ms after it,
    // fetched 0.5 ms before now.
    const ticks: Tick[] = [];
    const produced: number[] = [];
    const sent: number[] = [];
    const t0 = Math.floor(performance.timeOrigin + performance.now());
    for (let i = 1; i <= 100; i++) {
      ticks.push(tick(t0 - i));
      produced.push(t0 - i + 1);
      sent.push(t0 - i + 2);
    }
    r.record(ticks, produced, sent, t0 - 0.5);
    const s = r.summary()!;
    expect(s.rows).toBe(100);
    expect(s.warmupRows).toBe(2);
    expect(s.aheadOfClock).toBe(0);
    // Recorded a moment after t0: each latency is i ms plus that moment (well under 5 ms here).
    expect(s.p50Ms).toBeGreaterThanOrEqual(50);
    expect(s.p50Ms).toBeLessThan(56);
    expect(s.p99Ms).toBeGreaterThanOrEqual(99);
    expect(s.maxMs).toBeGreaterThanOrEqual(100);
    expect(s.maxMs).toBeLessThan(106);
    expect(s.stages!.eventToProduced.p50Ms).toBeCloseTo(1, 1);
    expect(s.stages!.eventToProduced.maxMs).toBeCloseTo(1, 1);
    expect(s.stages!.producedToSent.maxMs).toBeCloseTo(1, 1);
    expect(s.stages!.sentToFetched.p50Ms).toBeGreaterThanOrEqual(47);
    expect(s.stages!.sentToFetched.p50Ms).toBeLessThan(50);
  });

  it("counts rows from a clock ahead of this machine's, and has nothing to say without rows", () => {
    expect(new LatencyRecorder().summary()).toBeUndefined();
    const r = new LatencyRecorder();
    const future = Date.now() + 60_000;
    r.record([tick(future)], [Number.NaN], [Number.NaN], future);
    const s = r.summary()!;
    expect(s.aheadOfClock).toBe(1);
    expect(s.maxMs).toBeLessThan(0.01);
    expect(s.stages).toBeUndefined();
  });
});
