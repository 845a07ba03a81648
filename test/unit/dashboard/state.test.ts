/** The dashboard's state without Kafka or a browser, the metrics' running totals and the listening flags. */
import parsePrometheus from "parse-prometheus-text-format";
import { describe, expect, it } from "vitest";
import { listenFlag } from "../../../src/commands/common";
import { tickFields } from "../../../src/dashboard/feeds";
import { isLoopback } from "../../../src/dashboard/server";
import { AlertFeed, BarStore, Board } from "../../../src/dashboard/state";
import { Metrics } from "../../../src/metrics/metrics";
import type { Alert } from "../../../src/model/alert";
import type { Bar } from "../../../src/model/bar";

const NY = "America/New_York";
const at = (iso: string) => Date.parse(iso);

describe("the ticker board", () => {
  it("keeps the latest price by event time and the day's first, volume and trades, whatever order ticks come in", () => {
    const b = new Board(NY);
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
    const b = new Board(NY);
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

describe("metrics", () => {
  it("turn the pipeline's running totals into counters that only go up, in Prometheus' text format", async () => {
    const m = new Metrics("consume");
    m.advance(m.recordsOut, 10, { kind: "row" });
    m.advance(m.recordsOut, 25, { kind: "row" });
    m.advance(m.recordsOut, 20, { kind: "row" });
    m.advance(m.dlq, 2, { reason: "invalid JSON" });
    m.lag.set({ topic: "ticks" }, 7);
    m.writeSeconds.observe({ sink: "cassandra" }, 0.02);
    const families = parsePrometheus(await m.text());
    const family = (name: string) => families.find((f) => f.name === name)!;
    expect(family("stockpipe_records_out_total").metrics).toEqual([{ labels: { command: "consume", kind: "row" }, value: "25" }]);
    expect(family("stockpipe_dlq_total").metrics[0]).toEqual({ labels: { command: "consume", reason: "invalid JSON" }, value: "2" });
    expect(family("stockpipe_consumer_lag").metrics[0]!.value).toBe("7");
    expect(family("stockpipe_write_duration_seconds").metrics[0]!.buckets).toMatchObject({ "0.025": "1", "0.01": "0", "+Inf": "1" });
    expect(family("process_cpu_seconds_total")).toBeDefined();
  });
});

describe("listening", () => {
  it("takes a port with an optional host, loopback by default", () => {
    expect(listenFlag("9464", "--metrics-port")).toEqual({ host: "127.0.0.1", port: 9464 });
    expect(listenFlag("0.0.0.0:9464", "--metrics-port")).toEqual({ host: "0.0.0.0", port: 9464 });
    expect(listenFlag("[::1]:0", "--metrics-port")).toEqual({ host: "::1", port: 0 });
    expect(() => listenFlag("http", "--metrics-port")).toThrow(/--metrics-port http must be a port/);
    expect(() => listenFlag("70000", "--metrics-port")).toThrow(/must be a port/);
  });

  it("needs a token anywhere but on loopback", () => {
    expect(isLoopback("127.0.0.1")).toBe(true);
    expect(isLoopback("localhost")).toBe(true);
    expect(isLoopback("::1")).toBe(true);
    expect(isLoopback("0.0.0.0")).toBe(false);
    expect(isLoopback("192.168.1.5")).toBe(false);
  });
});
