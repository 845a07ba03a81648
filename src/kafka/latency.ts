/**
 * End-to-end latency of a write-through sink: for every row, the time from the tick's event time to the moment
 * the sink acknowledged it (for Cassandra: the write reached the consistency level, so a read sees the row).
 * With `produce --source synthetic --rate R` the event time is the tick's scheduled send time, so this is the
 * open-loop latency through producer, Kafka, consumer and sink.
 *
 * Four stages split it, from the message's `produced-at` header (the tick handed to the producer), its Kafka
 * timestamp (set by the producer when it encodes the request) and the moment its batch was fetched:
 * event → produced (the producer behind its schedule), produced → sent (batching linger and requests queued
 * behind one in flight), sent → fetched (the broker, and the consumer's fetch loop, which fetches again only
 * when the previous batches are written), fetched → written (decoding and the sink write). HDR histograms, µs.
 */
import { createHistogram, type RecordableHistogram } from "node:perf_hooks";
import type { Tick } from "../model/tick";

export interface Percentiles {
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  meanMs: number;
}

export interface LatencySummary extends Percentiles {
  /** Rows measured (after the warm-up). */
  rows: number;
  /** Rows left out as warm-up: event time within `warmupMs` of the first row seen. */
  warmupRows: number;
  /** Rows whose event time was ahead of this machine's clock (a simulated clock, or clock skew); counted as 0. */
  aheadOfClock: number;
  stages?: { eventToProduced: Percentiles; producedToSent: Percentiles; sentToFetched: Percentiles; fetchedToWritten: Percentiles };
}

const ms = (micros: number) => Math.round(micros / 10) / 100;

function percentiles(h: RecordableHistogram): Percentiles {
  return {
    p50Ms: ms(h.percentile(50)),
    p95Ms: ms(h.percentile(95)),
    p99Ms: ms(h.percentile(99)),
    p999Ms: ms(h.percentile(99.9)),
    maxMs: ms(h.max),
    meanMs: ms(h.mean),
  };
}

const micros = (fromMs: number, toMs: number) => Math.max(1, Math.round((toMs - fromMs) * 1000));

export class LatencyRecorder {
  private readonly total = createHistogram();
  private readonly eventToProduced = createHistogram();
  private readonly producedToSent = createHistogram();
  private readonly sentToFetched = createHistogram();
  private readonly fetchedToWritten = createHistogram();
  private firstEvent?: number;
  private warmupRows = 0;
  private aheadOfClock = 0;

  /** Told each measured row's latency in seconds (a metric of the last seconds, `--metrics-port`). */
  onRow?: (seconds: number) => void;

  constructor(private readonly warmupMs = 0) {}

  /**
   * Rows that have just become durable, with each one's `produced-at` and Kafka timestamp (epoch ms, NaN if
   * absent) and the moment their batch was fetched (epoch ms).
   */
  record(ticks: readonly Tick[], producedAt: readonly number[], sentAt: readonly number[], fetchedAt: number): void {
    const now = performance.timeOrigin + performance.now();
    for (let i = 0; i < ticks.length; i++) {
      const event = Date.parse(ticks[i]!.ts);
      this.firstEvent ??= event;
      if (event < this.firstEvent + this.warmupMs) {
        this.warmupRows++;
        continue;
      }
      if (now - event < 0.001) this.aheadOfClock++;
      this.total.record(micros(event, now));
      this.onRow?.(Math.max(0, now - event) / 1000);
      const produced = producedAt[i]!;
      const sent = sentAt[i]!;
      if (Number.isFinite(produced) && Number.isFinite(sent)) {
        this.eventToProduced.record(micros(event, produced));
        this.producedToSent.record(micros(produced, sent));
        this.sentToFetched.record(micros(sent, fetchedAt));
        this.fetchedToWritten.record(micros(fetchedAt, now));
      }
    }
  }

  summary(): LatencySummary | undefined {
    if (this.total.count === 0) return undefined;
    const stages =
      this.eventToProduced.count > 0
        ? {
            eventToProduced: percentiles(this.eventToProduced),
            producedToSent: percentiles(this.producedToSent),
            sentToFetched: percentiles(this.sentToFetched),
            fetchedToWritten: percentiles(this.fetchedToWritten),
          }
        : undefined;
    return { rows: this.total.count, warmupRows: this.warmupRows, aheadOfClock: this.aheadOfClock, ...percentiles(this.total), stages };
  }
}
