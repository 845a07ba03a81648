/** The analytics core without Kafka: intervals, daily windows, and resuming from a checkpoint. */
import { describe, expect, it } from "vitest";
import {
  type AnalyticsSettings,
  emptyOutputs,
  type Outputs,
  PartitionAnalyzer,
  type SymbolSnapshot,
} from "../../../src/analytics/partition";
import { Calendar, CalendarBook } from "../../../src/model/calendar";
import { clockWindow, intervalProblem, parseInterval } from "../../../src/model/interval";
import type { Tick } from "../../../src/model/tick";
import { tickId } from "../../../src/model/tick";
import { prng } from "../../../src/sources/synthetic";

const NY = "America/New_York";

describe("intervals", () => {
  it("parses durations that divide a day, in canonical form, and 1d", () => {
    expect(parseInterval("60s")).toEqual({ name: "1m", ms: 60_000, daily: false });
    expect(parseInterval("120m").name).toBe("2h");
    expect(parseInterval("1d")).toMatchObject({ name: "1d", daily: true });
    expect(intervalProblem("7m")).toMatch(/does not divide a day/);
    expect(intervalProblem("2d")).toMatch(/only daily interval is 1d/);
    expect(intervalProblem("24h")).toMatch(/write 1d/);
    expect(intervalProblem("1w")).toMatch(/not an interval/);
  });

  it("aligns 1d on 24x7 to the day in the market's zone, 23 and 25 hours long when the clocks change", () => {
    const day = (iso: string) => {
      const w = Calendar.of("24x7", NY).spanAt(Date.parse(iso), "regular")!;
      return [new Date(w.start).toISOString(), (w.end - w.start) / 3_600_000];
    };
    expect(day("2024-01-02T03:00:00.000Z")).toEqual(["2024-01-01T05:00:00.000Z", 24]);
    expect(day("2024-03-10T12:00:00.000Z")).toEqual(["2024-03-10T05:00:00.000Z", 23]);
    expect(day("2024-11-03T12:00:00.000Z")).toEqual(["2024-11-03T04:00:00.000Z", 25]);
    const fiveMin = clockWindow(Date.parse("2024-01-02T14:33:12.345Z"), parseInterval("5m"));
    expect(new Date(fiveMin.start).toISOString()).toBe("2024-01-02T14:30:00.000Z");
  });
});

function settings(): AnalyticsSettings {
  const intervals = ["1s", "1m", "1d"].map(parseInterval);
  return {
    intervals,
    emit: new Set(intervals.map((i) => i.name)),
    latenessMs: 1500,
    timeZone: NY,
    calendars: new CalendarBook("24x7", {}, NY),
    sessions: "regular",
    rules: {
      priceMove: { interval: parseInterval("1m"), percent: 0.5, severity: "warning" },
      volumeSpike: { interval: parseInterval("1s"), factor: 2, lookback: 5, severity: "info" },
      zScore: { window: 20, threshold: 2.5, severity: "critical" },
      openingGap: { percent: 0.2, severity: "warning" },
    },
  };
}

/** Random ticks of a few symbols over two trading days, some out of order and some far behind. */
function ticks(n: number): Tick[] {
  const rand = prng(42);
  const price: Record<string, number> = { AAA: 10, BBB: 200, CCC: 55 };
  let t = Date.parse("2024-01-02T20:59:00.000Z");
  const out: Tick[] = [];
  for (let i = 0; i < n; i++) {
    t += Math.floor(rand() * 120);
    if (i === Math.floor(n / 2)) t = Date.parse("2024-01-03T14:30:00.000Z");
    const symbol = ["AAA", "BBB", "CCC"][Math.floor(rand() * 3)]!;
    price[symbol] = Math.round(price[symbol]! * (1 + (rand() - 0.5) * 0.01) * 100) / 100;
    const skew = rand() < 0.05 ? -Math.floor(rand() * 5000) : 0;
    const ts = new Date(t + skew).toISOString();
    out.push({ symbol, ts, price: price[symbol]!, volume: Math.floor(rand() * 1000), id: tickId({ symbol, ts, seq: i }) });
  }
  return out;
}

function runAll(list: Tick[], cuts: number[]): Outputs {
  const all = emptyOutputs();
  let analyzer = new PartitionAnalyzer(settings());
  let from = 0;
  for (const cut of [...cuts, list.length]) {
    const part = list.slice(from, cut);
    const out = emptyOutputs();
    analyzer.process(
      part,
      part.map((t) => Date.parse(t.ts)),
      out,
    );
    all.bars.push(...out.bars);
    all.alerts.push(...out.alerts);
    all.late.push(...out.late.map((l) => ({ ...l, index: l.index + from })));
    // A checkpoint as the changelog carries it: what changed, through JSON, merged by key.
    const changed = JSON.parse(JSON.stringify(analyzer.takeChanged()));
    store.partition = changed.partition;
    for (const s of changed.symbols) store.symbols.set(s.symbol, s);
    analyzer = new PartitionAnalyzer(settings());
    analyzer.restore(store.partition, store.symbols.values());
    from = cut;
  }
  store.symbols.clear();
  return all;
}
const store: { partition: { maxTs: number | null }; symbols: Map<string, SymbolSnapshot> } = {
  partition: { maxTs: null },
  symbols: new Map(),
};

describe("PartitionAnalyzer", () => {
  it("gives the same bars, alerts and late ticks when restarted from its checkpoint at any points", () => {
    const list = ticks(6000);
    const whole = runAll(list, []);
    expect(whole.bars.length).toBeGreaterThan(100);
    expect(whole.late.length).toBeGreaterThan(10);
    expect(new Set(whole.alerts.map((a) => a.rule))).toEqual(new Set(["priceMove", "volumeSpike", "zScore", "openingGap"]));
    const rand = prng(7);
    for (let trial = 0; trial < 5; trial++) {
      const cuts = [...new Set(Array.from({ length: 8 }, () => Math.floor(rand() * list.length)))].sort((a, b) => a - b);
      const resumed = runAll(list, cuts);
      expect(resumed).toEqual(whole);
    }
  });

  it("sums fractional sizes exactly and weights VWAP by them, across a restart from the checkpoint", () => {
    const rand = prng(11);
    const list: Tick[] = [];
    let t = Date.parse("2024-01-02T14:30:00.000Z");
    for (let i = 0; i < 3000; i++) {
      t += Math.floor(rand() * 400);
      const ts = new Date(t).toISOString();
      const size = Number((rand() * 3).toFixed(1 + Math.floor(rand() * 8)));
      const price = Math.round((42_000 + rand() * 100) * 100) / 100;
      list.push({ symbol: "BTC-USD", ts, price, volume: size, id: tickId({ symbol: "BTC-USD", ts, seq: i }) });
    }
    const bars = runAll(list, [700, 1900]).bars.filter((b) => b.interval === "1m");
    expect(bars.length).toBeGreaterThan(2);
    for (const b of bars) {
      const inside = list.filter((x) => x.ts >= b.start && x.ts < b.end);
      // Independent: the sizes' decimal texts summed in BigInt units of 10⁻⁸.
      const units = inside.reduce((n, x) => n + BigInt(Math.round(x.volume! * 1e8)), 0n);
      expect(BigInt(Math.round(b.volume * 1e8)), b.start).toBe(units);
      expect(String(b.volume)).toBe(String(Number(units) / 1e8));
      const pv = inside.reduce((n, x) => n + x.price * x.volume!, 0);
      expect(b.vwap).toBeCloseTo(pv / (Number(units) / 1e8), 6);
      expect(b.trades).toBe(inside.length);
    }
  });

  it("closes a window when the watermark reaches its end and counts nothing behind the watermark", () => {
    const s = settings();
    s.latenessMs = 0;
    const a = new PartitionAnalyzer(s);
    const out = emptyOutputs();
    const t = (ts: string, price: number): Tick => ({ symbol: "AAA", ts, price, volume: 1, id: ts });
    const list = [t("2024-01-02T14:30:00.500Z", 1), t("2024-01-02T14:30:01.000Z", 2), t("2024-01-02T14:30:00.900Z", 3)];
    a.process(
      list,
      list.map((x) => Date.parse(x.ts)),
      out,
    );
    expect(out.bars.map((b) => [b.interval, b.start, b.close, b.trades])).toEqual([["1s", "2024-01-02T14:30:00.000Z", 1, 1]]);
    expect(out.late).toEqual([
      {
        index: 2,
        watermark: "2024-01-02T14:30:01.000Z",
        missed: [
          { interval: "1s", start: "2024-01-02T14:30:00.000Z", end: "2024-01-02T14:30:01.000Z" },
          { interval: "1m", start: "2024-01-02T14:30:00.000Z", end: "2024-01-02T14:31:00.000Z" },
          { interval: "1d", start: "2024-01-02T05:00:00.000Z", end: "2024-01-03T05:00:00.000Z" },
        ],
      },
    ]);
  });

  it("opens and closes a day with a daily bar's own open and close, when a tick carries them", () => {
    const a = new PartitionAnalyzer(settings());
    const out = emptyOutputs();
    const day = (date: string, open: number, close: number): Tick => ({
      symbol: "HSI",
      ts: `${date}T05:00:00.000Z`,
      price: close,
      open,
      close,
      id: date,
    });
    // Closes 100 → opens 103.1 (+3.1 %, over the 0.2 % threshold) though it closes back at 100.
    const list = [day("2024-01-02", 99, 100), day("2024-01-03", 103.1, 100), day("2024-01-04", 100.1, 100.05)];
    a.process(
      list,
      list.map((x) => Date.parse(x.ts)),
      out,
    );
    expect(out.alerts.filter((x) => x.rule === "openingGap").map((x) => [x.ts, x.value, x.message])).toEqual([
      ["2024-01-03T05:00:00.000Z", 3.1, "HSI opened 2024-01-03 at 103.1, 3.10% above the previous close 100"],
    ]);
  });
});
