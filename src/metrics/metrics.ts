/**
 * Prometheus metrics (prom-client) of one stockpipe process, in the text format at /metrics. One set of names
 * for every command, labelled with the command: what came in, what went out, dead letters, late ticks, lag,
 * batch and write latencies, retries and errors, plus the process metrics (CPU, memory, event loop lag, GC).
 * The pipeline knows nothing of this: commands turn its progress events into these (`./progress.ts`).
 */
import { createServer, type Server } from "node:http";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class Metrics {
  readonly registry = new Registry();
  /** Records read: ticks from a source (produce), messages from a topic (consume, analyze, dashboard). */
  readonly recordsIn = new Counter({
    name: "stockpipe_records_in_total",
    help: "Records read: ticks from the source (produce), messages from Kafka (consume, analyze, dashboard)",
    labelNames: ["kind"],
    registers: [this.registry],
  });
  /** Records written: ticks acknowledged by Kafka, rows stored by a sink, bars and alerts committed. */
  readonly recordsOut = new Counter({
    name: "stockpipe_records_out_total",
    help: "Records written: ticks sent to Kafka (produce), rows stored (consume), bars and alerts committed (analyze)",
    labelNames: ["kind"],
    registers: [this.registry],
  });
  readonly dlq = new Counter({
    name: "stockpipe_dlq_total",
    help: "Messages sent to the dead-letter topic, by reason",
    labelNames: ["reason"],
    registers: [this.registry],
  });
  readonly rejected = new Counter({
    name: "stockpipe_rejected_total",
    help: "Source rows that were not a valid tick (produce), by reason",
    labelNames: ["reason"],
    registers: [this.registry],
  });
  readonly late = new Counter({
    name: "stockpipe_late_total",
    help: "Ticks behind the watermark, sent to the late topic (analyze)",
    registers: [this.registry],
  });
  readonly lag = new Gauge({
    name: "stockpipe_consumer_lag",
    help: "Messages between the group's position and the end of the topic, over the partitions this process reads",
    labelNames: ["topic"],
    registers: [this.registry],
  });
  readonly batchSeconds = new Histogram({
    name: "stockpipe_batch_duration_seconds",
    help: "Time of one batch: a produce request until Kafka acknowledged it (produce), a chunk's transaction until committed (analyze)",
    buckets: SECONDS,
    registers: [this.registry],
  });
  readonly writeSeconds = new Histogram({
    name: "stockpipe_write_duration_seconds",
    help: "Time to store one chunk: its dead letters and its sink write, retries included (consume)",
    labelNames: ["sink"],
    buckets: SECONDS,
    registers: [this.registry],
  });
  /** Per live feed (or configured source) of `produce`: ticks read, and what its connection went through. */
  readonly feedTicks = new Counter({
    name: "stockpipe_feed_ticks_total",
    help: "Ticks read from each source of produce, by source (a live feed, or a configured source's name)",
    labelNames: ["feed"],
    registers: [this.registry],
  });
  readonly feedEvents = new Counter({
    name: "stockpipe_feed_events_total",
    help: "A live feed's connections, reconnection attempts, sequence gaps, messages still missing after repair, REST calls of repairs and repeats skipped, by feed",
    labelNames: ["feed", "event"],
    registers: [this.registry],
  });
  readonly feedGaps = new Counter({
    name: "stockpipe_feed_gaps_total",
    help: "Gaps a live feed's trade ids showed, by feed",
    labelNames: ["feed"],
    registers: [this.registry],
  });
  readonly feedRepaired = new Counter({
    name: "stockpipe_feed_repaired_total",
    help: "Trades of a live feed's gaps fetched from the venue's trade history, by feed",
    labelNames: ["feed"],
    registers: [this.registry],
  });
  readonly notifyDelivered = new Counter({
    name: "stockpipe_notify_delivered_total",
    help: "Alerts delivered by notify, by destination (an alert in a grouped message counts once)",
    labelNames: ["destination"],
    registers: [this.registry],
  });
  readonly notifyFailed = new Counter({
    name: "stockpipe_notify_failed_total",
    help: "Alerts notify could not deliver (dead-lettered), by destination",
    labelNames: ["destination"],
    registers: [this.registry],
  });
  readonly retries = new Counter({
    name: "stockpipe_retries_total",
    help: "Operations that failed and were retried",
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: "stockpipe_errors_total",
    help: "Failures that stopped the command",
    registers: [this.registry],
  });

  constructor(command: string) {
    this.registry.setDefaultLabels({ command });
    collectDefaultMetrics({ register: this.registry });
  }

  /** Moves a counter up to a running total the pipeline reports (counters only ever go up). */
  advance(counter: Counter<string>, total: number, labels: Record<string, string> = {}): void {
    const key = `${(counter as unknown as { name: string }).name}|${JSON.stringify(labels)}`;
    const before = this.totals.get(key) ?? 0;
    if (total > before) {
      counter.inc(labels, total - before);
      this.totals.set(key, total);
    }
  }

  private readonly totals = new Map<string, number>();
  /** Called before each scrape: for figures read on demand rather than pushed by events. */
  readonly beforeScrape: (() => void)[] = [];

  text(): Promise<string> {
    for (const f of this.beforeScrape) f();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** Whether a request asks for the metrics. */
export function isMetricsPath(url: string | undefined): boolean {
  return (url ?? "").split("?")[0] === "/metrics";
}

/**
 * Serves /metrics on `host:port` until closed. Rejects with the listen error (EADDRINUSE, EACCES) for the caller to
 * word.
 */
export async function serveMetrics(metrics: Metrics, port: number, host = "127.0.0.1"): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    if (req.method !== "GET" || !isMetricsPath(req.url)) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found: metrics are at /metrics\n");
      return;
    }
    metrics.text().then(
      (text) => res.writeHead(200, { "content-type": metrics.contentType }).end(text),
      (err: Error) => res.writeHead(500, { "content-type": "text/plain" }).end(`${err.message}\n`),
    );
  });
  await listen(server, port, host);
  const address = server.address();
  return { server, port: typeof address === "object" && address ? address.port : port };
}

/** Listens, resolving once bound and rejecting with the bind error. */
export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
}
