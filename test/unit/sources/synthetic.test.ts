import { describe, expect, it } from "vitest";
import { encodeTick, validateTick } from "../../../src/model/tick";
import { generatedTickers, SyntheticSource } from "../../../src/sources/synthetic";
import type { Accepted } from "../../../src/sources/types";

async function take(source: SyntheticSource, n: number): Promise<Accepted[]> {
  const out: Accepted[] = [];
  for await (const item of source.items(new AbortController().signal)) {
    out.push(item as Accepted);
    if (out.length === n) break;
  }
  return out;
}

const opts = { symbols: ["AAPL", "MSFT", "GOOG"], eventRate: 100, startMs: Date.parse("2024-01-02T14:30:00Z") };

describe("market simulator", () => {
  it("is reproducible byte for byte with a seed", async () => {
    const a = (await take(new SyntheticSource({ ...opts, seed: 42 }), 500)).map((i) => encodeTick(i.tick));
    const b = (await take(new SyntheticSource({ ...opts, seed: 42 }), 500)).map((i) => encodeTick(i.tick));
    const c = (await take(new SyntheticSource({ ...opts, seed: 43 }), 500)).map((i) => encodeTick(i.tick));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it("starts its clock when the first tick is made, so paced ticks carry their scheduled send time", async () => {
    const before = Date.now();
    const items = await take(new SyntheticSource({ symbols: ["AAPL"], eventRate: 1000 }), 3);
    const after = Date.now();
    const first = Date.parse(items[0]!.tick.ts);
    expect(first).toBeGreaterThanOrEqual(before - 1);
    expect(first).toBeLessThanOrEqual(after);
    expect(items.map((i) => Date.parse(i.tick.ts) - first)).toEqual([0, 1, 2]);
  });

  it("on the clock, never stamps a tick more than a second ahead of it however fast it is read", async () => {
    // 10 ticks a second of market time, 5,000 read at once: 500 s of market time in a few milliseconds.
    const items = await take(new SyntheticSource({ symbols: ["AAPL"], eventRate: 10 }), 5000);
    const after = Date.now();
    const ts = items.map((i) => Date.parse(i.tick.ts));
    expect(Math.max(...ts)).toBeLessThanOrEqual(after + 1000);
    expect(ts.every((t, i) => i === 0 || t >= ts[i - 1]!)).toBe(true);
    // With a start, the simulated clock is its own: 5,000 ticks at 10/s span 499.9 s.
    const started = await take(new SyntheticSource({ symbols: ["AAPL"], eventRate: 10, startMs: after }), 5000);
    expect(Date.parse(started[4999]!.tick.ts) - Date.parse(started[0]!.tick.ts)).toBe(499_900);
  });

  it("makes valid ticks with bid < price < ask, whole volumes, and event time advancing at the rate", async () => {
    const items = await take(new SyntheticSource({ ...opts, seed: 7 }), 1000);
    items.forEach((item, i) => {
      const t = item.tick;
      expect(validateTick(t)).toBeUndefined();
      expect(t.bid!).toBeLessThan(t.ask!);
      expect(t.bid!).toBeLessThanOrEqual(t.price);
      expect(t.ask!).toBeGreaterThanOrEqual(t.price);
      expect(Number.isInteger(t.volume)).toBe(true);
      expect(t.ts).toBe(new Date(opts.startMs + i * 10).toISOString());
      expect(t.seq).toBe(i);
      expect(opts.symbols).toContain(t.symbol);
    });
    for (const s of opts.symbols) expect(items.some((i) => i.tick.symbol === s)).toBe(true);
  });

  it("moves each symbol like geometric Brownian motion: small steps, no symbol stuck", async () => {
    const items = await take(new SyntheticSource({ ...opts, symbols: ["AAA", "BBB"], seed: 1, eventRate: 1 }), 4000);
    for (const s of ["AAA", "BBB"]) {
      const prices = items.filter((i) => i.tick.symbol === s).map((i) => i.tick.price);
      const returns = prices.slice(1).map((p, i) => Math.log(p / prices[i]!));
      const maxStep = Math.max(...returns.map(Math.abs));
      expect(maxStep).toBeLessThan(0.05);
      expect(new Set(prices).size).toBeGreaterThan(prices.length / 4);
    }
  });

  it("generates distinct tickers for --symbols N", () => {
    const t = generatedTickers(500);
    expect(new Set(t).size).toBe(500);
    for (const s of t) expect(s).toMatch(/^[A-Z]{3,4}$/);
    expect(generatedTickers(500)).toEqual(t);
  });
});
