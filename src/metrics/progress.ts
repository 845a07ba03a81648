/** The pipeline's progress events as metrics: one function per loop, called from its command's callbacks. */
import type { AnalyzeProgress } from "../pipeline/analyze/analyze";
import type { DrainProgress } from "../pipeline/drain/drain";
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

export function deliveredMetrics(m: Metrics, count: number, ms: number): void {
  m.recordsOut.inc({ kind: "tick" }, count);
  m.batchSeconds.observe(ms / 1000);
}
