import { type Command, Option } from "commander";
import { InterruptedError } from "../errors";
import { chalk } from "../log";
import type { AnalyzeResult } from "../pipeline/analyze/analyze";
import { plural } from "../ui/output";
import { formatElapsed, formatRate } from "../ui/status";
import { durationFlag, peakRssMb } from "./common";
import { type CommandContext, commandContext, flag } from "./context";
import { configFieldName, withFlagNames } from "./fields";
import { longRunning } from "./longRunning";
import { examples } from "./options";

export interface AnalyzeFlags {
  reset: boolean;
  exitAtEnd: boolean;
  metricsPort?: string;
}

export function registerAnalyze(program: Command): void {
  program
    .command("analyze")
    .description(
      "compute OHLCV bars (with VWAP) and alerts from the tick stream by event time, exactly once: bars to <topic>.bars.<interval>, alerts to <topic>.alerts, late ticks to <topic>.late",
    )
    .option("-g, --group <group>", "consumer group (default: analytics.group)")
    .option("--topic <topic>", "tick topic to read (default: kafka.topic)")
    .option("--from <where>", "earliest, latest or an ISO time: where a group without offsets starts (default: consumer.from)")
    .option("--reset", "move the group to --from even if it has committed offsets; the analysis state starts over")
    .option("--exit-at-end", "stop once every partition is analyzed to its end, for scripts and tests")
    .option("--intervals <list>", "bar intervals, e.g. 1s,1m,5m,1d (analytics.intervals)")
    .option("--lateness <duration>", "how late a tick may arrive and still count, e.g. 2s (analytics.latenessMs)")
    .addOption(new Option("-f, --format <format>", "summary format").choices(["table", "json"]).default("table"))
    .optionsGroup("Tuning:")
    .option("--batch-size <n>", "ticks per transaction at most (consumer.batchSize)")
    .option("--partitions-concurrently <n>", "Kafka partitions processed in parallel (consumer.partitionsConcurrently)")
    .optionsGroup("Measuring:")
    .option("--metrics-port <[host:]port>", "serve Prometheus metrics at http://host:port/metrics while running")
    .addHelpText(
      "after",
      `${examples(
        "stockpipe analyze",
        "stockpipe analyze --intervals 1s,1m,5m --lateness 5s",
        "stockpipe analyze --exit-at-end -f json",
        "stockpipe tail ticks.bars.1m --from latest --follow   # in another terminal",
        "stockpipe tail ticks.alerts --follow",
      )}
Windows close per partition once its watermark (largest event time seen minus the lateness) passes their end;
a later tick goes to <topic>.late and counts in no bar. Outputs, the analysis state and the input offsets are
committed in one Kafka transaction: read_committed readers see every bar and alert exactly once, across
crashes and restarts. Alert rules and their parameters: \`stockpipe config reference\` (analytics.rules).
Ctrl-C or SIGTERM aborts the open transaction and exits 130; a restart resumes from the last one.
`,
    )
    .action(async (opts: Record<string, string | boolean | undefined>, cmd: Command) => {
      const ctx = commandContext(cmd, [
        ...flag("analytics.group", opts.group, "--group"),
        ...flag("kafka.topic", opts.topic, "--topic"),
        ...flag("consumer.from", opts.from, "--from"),
        ...flag("analytics.intervals", opts.intervals, "--intervals"),
        ...flag("analytics.latenessMs", durationFlag(opts.lateness as string | undefined, "--lateness", true), "--lateness"),
        ...flag("consumer.batchSize", opts.batchSize, "--batch-size"),
        ...flag("consumer.partitionsConcurrently", opts.partitionsConcurrently, "--partitions-concurrently"),
      ]);
      await analyzeCommand(ctx, {
        reset: Boolean(opts.reset),
        exitAtEnd: Boolean(opts.exitAtEnd),
        metricsPort: opts.metricsPort as string | undefined,
      });
    });
}

async function analyzeCommand(ctx: CommandContext, f: AnalyzeFlags): Promise<void> {
  const { analyze } = await import("../pipeline/analyze/analyze");
  const { analyticsSettings } = await import("../pipeline/analyze/settings");
  const { parseFrom } = await import("../pipeline/group/position");
  const { groupReadSettings } = await import("../pipeline/group/options");
  const c = ctx.config;
  await withFlagNames({ from: configFieldName(ctx, "consumer.from") }, () => parseFrom(c.consumer.from));
  const settings = analyticsSettings(c);
  const group = c.analytics.group;
  const { analyzeMetrics } = await import("../metrics/progress");
  const started = performance.now();
  let progress = { consumed: 0, ticks: 0, bars: 0, alerts: 0, late: 0, dlq: 0, lag: 0 };
  const result: AnalyzeResult = await longRunning(
    {
      command: "analyze",
      metricsPort: f.metricsPort,
      connecting: "connecting to Kafka",
      onSecondInterrupt: () => "interrupted twice: exiting now; the open transaction is aborted by Kafka after its timeout",
      idle: `nothing to analyze in ${c.kafka.topic} for group ${group}`,
    },
    (run) => {
      // From the first partition opened on: the live line.
      const live = () =>
        run.live(`analyzing ${c.kafka.topic} as group ${group}: bars ${[...settings.emit].join(", ")}`, () => {
          const secs = (performance.now() - started) / 1000;
          const n = (x: number) => x.toLocaleString("en-US");
          return `ticks ${n(progress.ticks)} · bars ${n(progress.bars)} · alerts ${n(progress.alerts)} · late ${n(progress.late)} · DLQ ${progress.dlq} · lag ${n(progress.lag)} · ${formatRate(progress.consumed / Math.max(secs, 0.001))} ticks/s · ${formatElapsed(secs * 1000)}`;
        });
      return analyze(
        ctx.loaded,
        {
          ...groupReadSettings(c),
          topic: c.kafka.topic,
          group,
          reset: f.reset,
          exitAtEnd: f.exitAtEnd,
          settings,
          transactionTimeoutMs: c.analytics.transactionTimeoutMs,
          signal: run.signal,
        },
        {
          onProgress(p) {
            progress = p;
            if (run.metrics) analyzeMetrics(run.metrics, c.kafka.topic, p);
            live();
          },
          onPartition(e) {
            live();
            // A partition with no state to read back is the usual first start: only what was restored is news.
            if (!e.startedOver && !e.restoredSymbols) return;
            const what = e.startedOver ? "its state starts over (the group was moved)" : `state of ${e.restoredSymbols} symbols read back`;
            run.status?.print(chalk.dim(`partition ${e.partition}: ${what} (${e.ms} ms)`));
          },
          onRetry: (err, attempt, delay) => {
            run.metrics?.retries.inc();
            run.warn("Kafka transaction failed", err, attempt, delay);
          },
        },
      );
    },
  );
  const seconds = Math.round((performance.now() - started) / 10) / 100;
  const summary = { topic: c.kafka.topic, group, ...result, seconds, peakRssMb: peakRssMb() };
  if (ctx.format === "json") process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else printSummary(summary);
  if (result.stoppedBy === "interrupted")
    throw new InterruptedError(`interrupted: the open transaction was aborted; ${result.transactions} transactions committed`);
}

function printSummary(s: AnalyzeResult & { topic: string; seconds: number }): void {
  const n = (x: number) => x.toLocaleString("en-US");
  const list = (r: Record<string, number>) =>
    Object.entries(r)
      .map(([k, v]) => `${n(v)} ${k}`)
      .join(", ") || "none";
  const reasons = Object.entries(s.dlqByReason)
    .map(([r, count]) => `${count} ${r}`)
    .join(", ");
  process.stderr.write(
    `${[
      `${chalk.green("✔")} analyzed ${plural(s.consumed, "message")} from ${s.topic} in ${s.seconds}s (${n(Math.round(s.consumed / Math.max(s.seconds, 0.01)))}/s) in ${plural(s.transactions, "transaction")}; stopped: ${s.stoppedBy}`,
      `  bars: ${list(s.barsByInterval)} → ${Object.values(s.topics.bars).join(", ")}`,
      `  alerts: ${list(s.alertsByRule)} → ${s.topics.alerts}`,
      ...(s.offSession ? [`  outside the sessions: ${n(s.offSession)} ticks (in the sub-day bars, not in a 1d bar)`] : []),
      `  late: ${n(s.late)} → ${s.topics.late} · DLQ: ${n(s.dlq)}${reasons ? ` (${reasons})` : ""} → ${s.topics.dlq}`,
      ...(s.fenced ? [`  ${s.fenced} partition(s) taken over by another analyze process of the group`] : []),
    ].join("\n")}\n`,
  );
}
