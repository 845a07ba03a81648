/** The dashboard's state without Kafka or a browser. */
import { describe, expect, it } from "vitest";
import { tickFields } from "../../../src/dashboard/feeds";
import { AlertFeed, BarStore, Board } from "../../../src/dashboard/state";
import type { Alert } from "../../../src/model/alert";
import type { Bar } from "../../../src/model/bar";
import { CalendarBook } from "../../../src/model/calendar";

const NY = "America/New_York";
const at = (iso: string) => Date.parse(iso);

describe("the ticker board", () => {
  it("keeps the latest price by event time and the day's first, volume and trades, whatever order ticks come in", () => {
    const b = new Board(new CalendarBook("24x7", {}, NY), "regular");
    b.add("AAPL", at("2024-01-02T15:00:02Z"), 102, 10);
    b.add("AAPL", at("2024-01-02T15:00:01Z"), 101, 5); // out of order: earlier, so neither last nor first
    b.add("AAPL", at("2024-01-02T14:30:00Z"), 100, 1); // the day's first by event time, arriving late
    b.add("MSFT", at("2024-01-02T15:00:00Z"), 50, 0);
    const rows = new Map(b.takeChanged().map((r) => [r.symbol, r]));
    expect(rows.get("AAPL")).toEqual({
      symbol: "AAPL",
      price: 102,
      open: 100,
      changePct: 2,
      volume: 16,
      ts: at("2024-01-02T15:00:02Z"),
      trades: 3,
    });
    expect(rows.get("MSFT")).toMatchObject({ price: 50, open: 50, changePct: 0 });
    expect(b.takeChanged()).toEqual([]);
  });

  it("starts a symbol over on a new trading day in the market's zone, and ignores ticks of an earlier day", () => {
    const b = new Board(new CalendarBook("24x7", {}, NY), "regular");
    b.add("AAPL", at("2024-01-02T20:59:00Z"), 100, 10);
    // 00:30 UTC on the 3rd is still the 2nd in New York.
    b.add("AAPL", at("2024-01-03T00:30:00Z"), 110, 10);
    expect(b.takeChanged()[0]).toMatchObject({ open: 100, price: 110, volume: 20, trades: 2 });
    b.add("AAPL", at("2024-01-03T14:30:00Z"), 120, 7);
    expect(b.takeChanged()[0]).toMatchObject({ open: 120, price: 120, volume: 7, trades: 1, changePct: 0 });
    b.add("AAPL", at("2024-01-02T20:00:00Z"), 1, 1000);
    expect(b.takeChanged()).toEqual([]);
    expect(b.all()[0]).toMatchObject({ price: 120, volume: 7 });
  });

  it("on an exchange calendar, counts the change from the session's open: pre- and post-market move the price only", () => {
    const b = new Board(new CalendarBook("XNYS", { HSI: "XHKG" }, NY), "regular");
    b.add("AAPL", at("2024-03-11T12:00:00Z"), 90, 5); // 08:00 New York: pre-market
    expect(b.takeChanged()[0]).toMatchObject({ price: 90, volume: 0, trades: 0 });
    b.add("AAPL", at("2024-03-11T13:30:00Z"), 100, 10); // the open (EDT)
    b.add("AAPL", at("2024-03-11T19:59:00Z"), 104, 10);
    b.add("AAPL", at("2024-03-11T21:00:00Z"), 103, 50); // post-market
    expect(b.takeChanged()[0]).toMatchObject({ open: 100, price: 103, changePct: 3, volume: 20, trades: 2 });
    // HSI's lunch break is outside its session; its afternoon is the same session.
    b.add("HSI", at("2024-03-11T02:00:00Z"), 16_500, 1);
    b.add("HSI", at("2024-03-11T04:30:00Z"), 16_400, 1);
    b.add("HSI", at("2024-03-11T06:00:00Z"), 16_600, 1);
    expect(b.takeChanged()[0]).toMatchObject({ symbol: "HSI", open: 16_500, price: 16_600, trades: 2 });
  });

  it("reads a tick's board fields from a message, and nothing from a message that is not a tick", () => {
    const v = (x: unknown) => Buffer.from(JSON.stringify(x));
    expect(tickFields(v({ symbol: "AAPL", ts: "2024-01-02T15:00:00.000Z", price: 1.5, volume: 3 }))).toEqual({
      symbol: "AAPL",
      ts: at("2024-01-02T15:00:00Z"),
      price: 1.5,
      volume: 3,
    });
    expect(tickFields(v({ symbol: "AAPL", ts: "2024-01-02T15:00:00.000Z", price: 1.5 }))?.volume).toBe(0);
    expect(tickFields(Buffer.from("{not json"))).toBeUndefined();
    expect(tickFields(v({ symbol: "AAPL", ts: "yesterday", price: 1 }))).toBeUndefined();
    expect(tickFields(v({ symbol: "AAPL", ts: "2024-01-02T15:00:00.000Z", price: -1 }))).toBeUndefined();
    expect(tickFields(null)).toBeUndefined();
  });
});

function bar(symbol: string, start: string, close: number): Bar {
  return {
    symbol,
    interval: "1m",
    start,
    end: start,
    open: close,
    high: close,
    low: close,
    close,
    volume: 1,
    vwap: close,
    trades: 1,
    id: `${symbol}${start}`,
  };
}

describe("the bars kept for the chart", () => {
  it("keeps each symbol's bars in start order, replaces a bar sent again and keeps only the newest", () => {
    const s = new BarStore(3);
    s.add(bar("A", "2024-01-02T15:02:00.000Z", 3));
    s.add(bar("A", "2024-01-02T15:00:00.000Z", 1));
    s.add(bar("A", "2024-01-02T15:01:00.000Z", 2));
    s.add(bar("A", "2024-01-02T15:01:00.000Z", 22));
    s.add(bar("B", "2024-01-02T15:00:00.000Z", 9));
    expect(s.of("A").map((b) => b.close)).toEqual([1, 22, 3]);
    s.add(bar("A", "2024-01-02T15:03:00.000Z", 4));
    expect(s.of("A").map((b) => b.close)).toEqual([22, 3, 4]);
    expect(s.of("B").map((b) => b.close)).toEqual([9]);
    expect(s.of("C")).toEqual([]);
  });
});

describe("the alerts feed", () => {
  it("lists alerts newest first by event time, each once, and keeps the newest", () => {
    const a = (id: string, ts: string): Alert => ({
      id,
      ts,
      symbol: "A",
      rule: "priceMove",
      severity: "warning",
      value: 1,
      threshold: 1,
      message: id,
    });
    const f = new AlertFeed(2);
    expect(f.add(a("1", "2024-01-02T15:00:00.000Z"))).toBe(true);
    expect(f.add(a("3", "2024-01-02T15:02:00.000Z"))).toBe(true);
    expect(f.add(a("1", "2024-01-02T15:00:00.000Z"))).toBe(false);
    expect(f.add(a("2", "2024-01-02T15:01:00.000Z"))).toBe(true);
    expect(f.newest().map((x) => x.id)).toEqual(["3", "2"]);
    // "1" fell off the end: it is new again if it comes back.
    expect(f.add(a("1", "2024-01-02T15:00:00.000Z"))).toBe(true);
    expect(f.newest().map((x) => x.id)).toEqual(["3", "2"]);
  });
});
