/** The pipeline's progress events as metrics: one function per loop, called from its command's callbacks. */

import { Summary } from "prom-client";
import type { AnalyzeProgress } from "../pipeline/analyze/analyze";
import type { DrainProgress } from "../pipeline/drain/drain";
import type { ProduceProgress } from "../pipeline/produce/produce";
import type { Metrics } from "./metrics";

function byReason(m: Metrics, counter: Metrics["dlq"], totals: Record<string, number>): void {
  for (const [reason, n] of Object.entries(totals)) m.advance(counter, n, { reason });
}

export function drainMetrics(m: Metrics, topic: string, sink: string, p: DrainProgress): void {
  m.advance(m.recordsIn, p.consumed, { kind: "message" });
  m.advance(m.recordsOut, p.written, { kind: "row" });
  byReason(m, m.dlq, p.dlqByReason);
  m.lag.set({ topic }, p.lag);
  m.writeSeconds.observe({ sink }, p.chunkMs / 1000);
}

export function analyzeMetrics(m: Metrics, topic: string, p: AnalyzeProgress): void {
  m.advance(m.recordsIn, p.consumed, { kind: "message" });
  m.advance(m.recordsOut, p.bars, { kind: "bar" });
  m.advance(m.recordsOut, p.alerts, { kind: "alert" });
  m.advance(m.late, p.late);
  byReason(m, m.dlq, p.dlqByReason);
  m.lag.set({ topic }, p.lag);
  m.batchSeconds.observe(p.chunkMs / 1000);
}

/** produce: the source's running counts, and each acknowledged request. */
export function produceMetrics(m: Metrics, counts: { accepted: number; rejectedByReason: Record<string, number> }): void {
  m.advance(m.recordsIn, counts.accepted, { kind: "tick" });
  byReason(m, m.rejected, counts.rejectedByReason);
}

/** produce: one source's running counts, labelled with its name (a live feed, or a configured source). */
export function feedMetrics(m: Metrics, feed: string, p: ProduceProgress): void {
  m.advance(m.feedTicks, p.accepted, { feed });
  const events: [string, number][] = [
    ["connected", p.feed.connections],
    ["reconnecting", p.feed.reconnects],
    ["gap", p.feed.gaps],
    ["missed", p.feed.missed],
    ["gap_left", p.feed.gapsLeft],
    ["rest_call", p.feed.restCalls],
    ["duplicate", p.feed.duplicates],
  ];
  for (const [event, total] of events) m.advance(m.feedEvents, total, { feed, event });
  m.advance(m.feedGaps, p.feed.gaps, { feed });
  m.advance(m.feedRepaired, p.feed.repaired, { feed });
}

export function deliveredMetrics(m: Metrics, count: number, ms: number): void {
  m.recordsOut.inc({ kind: "tick" }, count);
  m.batchSeconds.observe(ms / 1000);
}

/**
 * `consume --latency --metrics-port`: each row's latency from event time to written, as quantiles over the last
 * 10 s (stockpipe_end_to_end_latency_seconds{quantile="0.5|0.99|0.999"}) — what a dashboard or a soak test plots.
 */
export function latencyMetric(m: Metrics): (seconds: number) => void {
  const summary = new Summary({
    name: "stockpipe_end_to_end_latency_seconds",
    help: "Latency from a row's event time to its write, over the last 10 s (consume --latency)",
    percentiles: [0.5, 0.99, 0.999],
    maxAgeSeconds: 10,
    ageBuckets: 2,
    registers: [m.registry],
  });
  return (seconds) => summary.observe(seconds);
}
