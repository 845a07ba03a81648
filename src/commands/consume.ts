import { type Command, Option } from "commander";
import { InterruptedError, UsageError } from "../errors";
import type { LatencySummary } from "../kafka/latency";
import { chalk, log } from "../log";
import { parseDuration } from "../model/time";
import type { DrainResult } from "../pipeline/drain/drain";
import { SINK_NAMES } from "../sinks/registry";
import { plural } from "../ui/output";
import { formatElapsed, formatRate } from "../ui/status";
import { durationFlag, peakRssMb } from "./common";
import { type CommandContext, commandContext, flag } from "./context";
import { configFieldName, withFlagNames } from "./fields";
import { type LongRun, longRunning } from "./longRunning";
import { examples } from "./options";

export interface ConsumeFlags {
  sink: string;
  reset?: boolean;
  exitAtEnd?: boolean;
  latency?: boolean;
  latencyWarmup?: string;
  metricsPort?: string;
}

export function registerConsume(program: Command): void {
  program
    .command("consume")
    .description(
      "drain the topic into Cassandra (or the S3 lake): bad messages to <topic>.dlq, offsets committed only after rows are durable",
    )
    .addOption(new Option("--sink <sink>", "where ticks go").choices(SINK_NAMES).makeOptionMandatory())
    .option("-g, --group <group>", "consumer group (default: consumer.group, or stockpipe-<sink>)")
    .option("--topic <topic>", "topic to read (default: kafka.topic)")
    .option("--from <where>", "earliest, latest or an ISO time: where a group without offsets starts (default: consumer.from)")
    .option("--reset", "move the group to --from even if it has committed offsets")
    .option("--exit-at-end", "stop once the group has caught up (lag 0), for scripts and tests")
    .addOption(new Option("-f, --format <format>", "summary format").choices(["table", "json"]).default("table"))
    .optionsGroup("Tuning:")
    .option("--batch-size <n>", "rows per sink write (consumer.batchSize)")
    .option("--concurrency <n>", "sink writes in flight (consumer.concurrency)")
    .option("--partitions-concurrently <n>", "Kafka partitions processed in parallel (consumer.partitionsConcurrently)")
    .optionsGroup("S3 lake files:")
    .option("--flush-rows <n>", "cut a file at this many rows (consumer.flushRows)")
    .option("--flush-bytes <n>", "cut a file at this many bytes (consumer.flushBytes)")
    .option("--flush-idle <duration>", "cut a caught-up partition's file after this long idle, e.g. 10s (consumer.flushIdleMs)")
    .optionsGroup("Measuring:")
    .option("--metrics-port <[host:]port>", "serve Prometheus metrics at http://host:port/metrics while running")
    .option("--latency", "measure each row's latency from its event time to its write (write-through sinks) and print p50/p95/p99/max")
    .option("--latency-warmup <duration>", "with --latency: leave out rows within this long of the first one (e.g. 5s)")
    .addHelpText(
      "after",
      `${examples(
        "stockpipe schema cassandra && stockpipe consume --sink cassandra --exit-at-end",
        "stockpipe consume --sink cassandra -g dashboards --from 2024-03-15T13:30:00Z --reset",
        "stockpipe consume --sink cassandra --batch-size 2000 --concurrency 128",
        "stockpipe consume --sink cassandra --from latest --latency   # with: produce --source synthetic --rate 17000",
        "stockpipe consume --sink s3 --flush-rows 500000 --flush-idle 30s",
      )}\nCtrl-C finishes the batch in hand, commits it and exits 130. A crash re-reads at most the uncommitted batch; writes are idempotent.\n`,
    )
    .action(async (opts: Record<string, string | boolean | undefined>, cmd: Command) => {
      const ctx = commandContext(cmd, [
        ...flag("consumer.group", opts.group, "--group"),
        ...flag("kafka.topic", opts.topic, "--topic"),
        ...flag("consumer.from", opts.from, "--from"),
        ...flag("consumer.batchSize", opts.batchSize, "--batch-size"),
        ...flag("consumer.concurrency", opts.concurrency, "--concurrency"),
        ...flag("consumer.partitionsConcurrently", opts.partitionsConcurrently, "--partitions-concurrently"),
        ...flag("consumer.flushRows", opts.flushRows, "--flush-rows"),
        ...flag("consumer.flushBytes", opts.flushBytes, "--flush-bytes"),
        ...flag("consumer.flushIdleMs", durationFlag(opts.flushIdle as string | undefined, "--flush-idle"), "--flush-idle"),
      ]);
      await consumeCommand(ctx, {
        sink: String(opts.sink),
        reset: Boolean(opts.reset),
        exitAtEnd: Boolean(opts.exitAtEnd),
        latency: Boolean(opts.latency),
        latencyWarmup: opts.latencyWarmup as string | undefined,
        metricsPort: opts.metricsPort as string | undefined,
      });
    });
}

async function consumeCommand(ctx: CommandContext, f: ConsumeFlags): Promise<void> {
  const { drain, drainSettings } = await import("../pipeline/drain/drain");
  const { parseFrom } = await import("../pipeline/group/position");
  const { createSink } = await import("../sinks/registry");
  const { LatencyRecorder } = await import("../kafka/latency");
  const c = ctx.config;
  await withFlagNames({ from: configFieldName(ctx, "consumer.from") }, () => parseFrom(c.consumer.from));
  const group = c.consumer.group ?? `stockpipe-${f.sink}`;
  const measure = f.latency || f.latencyWarmup !== undefined;
  const warmupMs = f.latencyWarmup === undefined ? 0 : parseDuration(f.latencyWarmup);
  if (warmupMs === undefined) throw new UsageError(`--latency-warmup ${f.latencyWarmup} must be a duration such as 5s`);
  // The sink's background uploads warn through the run's throttled warning once it has started.
  let warnVia: LongRun["warn"] | undefined;
  const sink = await createSink(f.sink, ctx.loaded, {
    onRetry: (err, attempt, delay) => warnVia?.(`${f.sink} upload failed`, err, attempt, delay),
  });
  if (measure && sink.durability !== "write-through") {
    throw new UsageError(
      `--latency measures sinks that write each row through (cassandra); the ${f.sink} sink makes rows readable when their file is uploaded`,
      {
        hint: "files are cut every consumer.flushRows rows, consumer.flushBytes bytes or consumer.flushIdleMs when idle",
      },
    );
  }
  const latency = measure ? new LatencyRecorder(warmupMs) : undefined;
  const { drainMetrics, latencyMetric } = await import("../metrics/progress");
  const started = performance.now();
  let progress = { consumed: 0, written: 0, dlq: 0, lag: 0 };
  /** Group joins: the first assignment, then one per rebalance. */
  let assignments = 0;
  const result: DrainResult = await longRunning(
    {
      command: "consume",
      metricsPort: f.metricsPort,
      connecting: `connecting to Kafka and ${f.sink}`,
      onSecondInterrupt: () => "interrupted twice: exiting now; offsets of the batch in hand were not committed (it will be re-read)",
      idle: `nothing to consume in ${c.kafka.topic} for group ${group}`,
    },
    (run) => {
      warnVia = run.warn;
      if (latency && run.metrics) latency.onRow = latencyMetric(run.metrics);
      return drain(
        ctx.loaded,
        {
          ...drainSettings(c),
          topic: c.kafka.topic,
          group,
          reset: Boolean(f.reset),
          exitAtEnd: Boolean(f.exitAtEnd),
          sink,
          latency,
          signal: run.signal,
        },
        {
          onProgress(p) {
            progress = p;
            if (run.metrics) drainMetrics(run.metrics, c.kafka.topic, f.sink, p);
            run.live(`consuming ${c.kafka.topic} as group ${group} into ${f.sink}`, () => {
              const secs = (performance.now() - started) / 1000;
              const n = (x: number) => x.toLocaleString("en-US");
              return `consumed ${n(progress.consumed)} · written ${n(progress.written)} · DLQ ${progress.dlq} · lag ${n(progress.lag)} · ${formatRate(progress.written / Math.max(secs, 0.001))} rows/s · ${formatElapsed(secs * 1000)}`;
            });
          },
          onRetry: (err, attempt, delay) => {
            run.metrics?.retries.inc();
            run.warn(`${f.sink} write failed`, err, attempt, delay);
          },
          onAssigned(memberId, partitions) {
            assignments++;
            const list = partitions.length ? `partition${partitions.length === 1 ? "" : "s"} ${partitions.join(",")}` : "no partitions";
            log.info(`member ${memberId} of group ${group}: ${list}`);
          },
        },
      );
    },
  );
  const seconds = Math.round((performance.now() - started) / 10) / 100;
  const summary = {
    topic: c.kafka.topic,
    group,
    sink: f.sink,
    ...result,
    seconds,
    rowsPerSecond: Math.round(result.written / Math.max(seconds, 0.01)),
    rebalances: Math.max(0, assignments - 1),
    peakRssMb: peakRssMb(),
    latency: latency?.summary(),
  };
  if (ctx.format === "json") process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else printSummary(summary, Boolean(latency));
  if (result.stoppedBy === "interrupted")
    throw new InterruptedError(`interrupted: the batch in hand was written and committed; ${result.written} rows written`);
}

type Summary = DrainResult & { topic: string; sink: string; seconds: number; rowsPerSecond: number; latency?: LatencySummary };

function printSummary(s: Summary, measured: boolean): void {
  const n = (x: number) => x.toLocaleString("en-US");
  const reasons = Object.entries(s.dlqByReason)
    .map(([r, count]) => `${count} ${r}`)
    .join(", ");
  const out = [
    `${chalk.green("✔")} consumed ${plural(s.consumed, "message")} from ${s.topic} in ${s.seconds}s: ${n(s.written)} rows written to ${s.sink} (${n(s.rowsPerSecond)}/s), ${s.dlq} to ${s.topic}.dlq${reasons ? ` (${reasons})` : ""}; stopped: ${s.stoppedBy}`,
  ];
  const l = s.latency;
  if (l) {
    out.push(
      `  latency, event time → row written: p50 ${l.p50Ms} ms · p95 ${l.p95Ms} ms · p99 ${l.p99Ms} ms · p99.9 ${l.p999Ms} ms · max ${l.maxMs} ms over ${n(l.rows)} rows${l.warmupRows ? ` (${n(l.warmupRows)} warm-up rows not counted)` : ""}`,
    );
    if (l.stages) {
      const st = (name: string, p: { p50Ms: number; p99Ms: number }) => `${name} p50 ${p.p50Ms} / p99 ${p.p99Ms} ms`;
      out.push(
        `  stages: ${st("event → produced", l.stages.eventToProduced)} · ${st("produced → sent", l.stages.producedToSent)} · ${st("sent → fetched", l.stages.sentToFetched)} · ${st("fetched → written", l.stages.fetchedToWritten)}`,
      );
    }
    if (l.aheadOfClock)
      out.push(
        `  ${n(l.aheadOfClock)} rows had event times ahead of this machine's clock (a simulated clock or clock skew); counted as 0 ms`,
      );
  } else if (measured) out.push("  latency: no rows measured");
  process.stderr.write(`${out.join("\n")}\n`);
}
