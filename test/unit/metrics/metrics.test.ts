import parsePrometheus from "parse-prometheus-text-format";
import { describe, expect, it } from "vitest";
import { Metrics } from "../../../src/metrics/metrics";

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

describe("a feed's metrics", () => {
  it("carry each feed's ticks and connection events under its name", async () => {
    const { feedMetrics } = await import("../../../src/metrics/progress");
    const m = new Metrics("produce");
    const progress = (accepted: number, reconnects: number) => ({
      accepted,
      rejected: 0,
      rejectedByReason: {},
      skippedOutsideRange: 0,
      stoppedBy: "end of input" as const,
      sent: accepted,
      feed: {
        connections: reconnects + 1,
        reconnects,
        gaps: reconnects * 2,
        gapsLeft: reconnects,
        repaired: reconnects * 30,
        restCalls: reconnects * 3,
        missed: reconnects,
        duplicates: 2,
      },
    });
    feedMetrics(m, "us-stocks", progress(10, 0));
    feedMetrics(m, "us-stocks", progress(25, 1));
    feedMetrics(m, "crypto", progress(7, 0));
    const families = parsePrometheus(await m.text());
    const ticks = families.find((f) => f.name === "stockpipe_feed_ticks_total")!.metrics;
    expect(ticks).toEqual([
      { labels: { command: "produce", feed: "us-stocks" }, value: "25" },
      { labels: { command: "produce", feed: "crypto" }, value: "7" },
    ]);
    const events = families.find((f) => f.name === "stockpipe_feed_events_total")!.metrics;
    expect(events.filter((e) => e.labels?.feed === "us-stocks" && e.labels.event === "reconnecting")).toEqual([
      { labels: { command: "produce", feed: "us-stocks", event: "reconnecting" }, value: "1" },
    ]);
    expect(events.find((e) => e.labels?.feed === "crypto" && e.labels.event === "duplicate")?.value).toBe("2");
    expect(events.find((e) => e.labels?.feed === "us-stocks" && e.labels.event === "rest_call")?.value).toBe("3");
    expect(events.find((e) => e.labels?.feed === "us-stocks" && e.labels.event === "gap_left")?.value).toBe("1");
    const of = (name: string) => families.find((f) => f.name === name)!.metrics.map((x) => [x.labels?.feed, x.value]);
    expect(of("stockpipe_feed_gaps_total")).toEqual([["us-stocks", "2"]]);
    expect(of("stockpipe_feed_repaired_total")).toEqual([["us-stocks", "30"]]);
  });
});
