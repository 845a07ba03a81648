/** `stockpipe consume`: the topic into a sink, with a live status line and a summary. */
import type { CommandContext } from "../commands/context";
import { InterruptedError, UsageError } from "../errors";
import { createKafka } from "../kafka/client";
import { consume, parseFrom, type ConsumeResult } from "../kafka/consumer";
import { kafkaError } from "../kafka/errors";
import { LatencyRecorder } from "../kafka/latency";
import { parseDuration } from "../model/time";
import { cassandraError } from "../sinks/cassandra/errors";
import { createSink } from "../sinks/registry";
import { chalk, log } from "../ui/log";
import { onInterrupt } from "../ui/signals";
import { spinner } from "../ui/spinner";
import { formatElapsed, formatRate, StatusLine } from "../ui/status";

export interface ConsumeFlags {
  sink: string;
  reset?: boolean;
  exitAtEnd?: boolean;
  latency?: boolean;
  latencyWarmup?: string;
}

export async function consumeCommand(ctx: CommandContext, f: ConsumeFlags): Promise<void> {
  const c = ctx.config;
  parseFrom(c.consumer.from);
  const group = c.consumer.group ?? `stockpipe-${f.sink}`;
  const warmupMs = f.latencyWarmup === undefined ? 0 : parseDuration(f.latencyWarmup);
  if (warmupMs === undefined) throw new UsageError(`--latency-warmup ${f.latencyWarmup} must be a duration such as 5s`);
  const sink = await createSink(f.sink, c);
  if ((f.latency || f.latencyWarmup !== undefined) && sink.flush) {
    throw new UsageError(`--latency measures sinks that write each row through (cassandra); the ${f.sink} sink makes rows readable when their file is uploaded`, {
      hint: "files are cut every consumer.flushRows rows, consumer.flushBytes bytes or consumer.flushIdleMs when idle",
    });
  }
  const latency = f.latency || f.latencyWarmup !== undefined ? new LatencyRecorder(warmupMs) : undefined;
  const kafka = createKafka(c, { retries: 5 });
  const interrupt = onInterrupt(() => log.error("interrupted twice: exiting now; offsets of the batch in hand were not committed (it will be re-read)"));
  const started = performance.now();
  let progress = { consumed: 0, written: 0, dlq: 0, lag: 0 };
  let status: StatusLine | undefined;
  const sp = spinner(`connecting to Kafka and ${f.sink}`);
  let connected = false;
  let result: ConsumeResult;
  try {
    result = await consume({
      kafka,
      topic: c.kafka.topic,
      group,
      from: c.consumer.from,
      reset: Boolean(f.reset),
      exitAtEnd: Boolean(f.exitAtEnd),
      sink,
      batchSize: c.consumer.batchSize,
      partitionsConcurrently: c.consumer.partitionsConcurrently,
      maxMessageBytes: c.consumer.maxMessageBytes,
      latency,
      signal: interrupt.signal,
      onProgress(p) {
        progress = p;
        if (!connected) {
          connected = true;
          sp.succeed(`consuming ${c.kafka.topic} as group ${group} into ${f.sink}`);
          status = new StatusLine(() => {
            const secs = (performance.now() - started) / 1000;
            return `consumed ${progress.consumed.toLocaleString("en-US")} · written ${progress.written.toLocaleString("en-US")} · DLQ ${progress.dlq} · lag ${progress.lag.toLocaleString("en-US")} · ${formatRate(progress.written / Math.max(secs, 0.001))} rows/s · ${formatElapsed(secs * 1000)}`;
          }).start();
        }
      },
      onRetry(err, attempt, delay) {
        const message = `${f.sink} write failed (${err.message.split("\n")[0]}); retry ${attempt} in ${delay}ms, nothing committed past it`;
        if (status) status.print(`${chalk.yellow("warning")} ${message}`);
        else log.warn(message);
      },
    });
  } catch (err) {
    sp.fail();
    const name = (err as Error).name;
    throw ["NoHostAvailableError", "ResponseError", "OperationTimedOutError", "DriverError", "AuthenticationError"].includes(name) ? cassandraError(err, ctx) : kafkaError(err, ctx, `consume ${c.kafka.topic}`);
  } finally {
    status?.stop();
    interrupt.dispose();
  }
  if (!connected) sp.succeed(`nothing to consume in ${c.kafka.topic} for group ${group}`);
  const seconds = Math.round((performance.now() - started) / 10) / 100;
  const summary = { topic: c.kafka.topic, group, sink: f.sink, ...result, seconds, rowsPerSecond: Math.round(result.written / Math.max(seconds, 0.01)), latency: latency?.summary() };
  if (ctx.format === "json") process.stdout.write(JSON.stringify(summary, null, 2) + "\n");
  else {
    const reasons = Object.entries(result.dlqByReason).map(([r, n]) => `${n} ${r}`).join(", ");
    process.stderr.write(`${chalk.green("✔")} consumed ${result.consumed.toLocaleString("en-US")} messages from ${c.kafka.topic} in ${seconds}s: ${result.written.toLocaleString("en-US")} rows written to ${f.sink} (${summary.rowsPerSecond.toLocaleString("en-US")}/s), ${result.dlq} to ${c.kafka.topic}.dlq${reasons ? ` (${reasons})` : ""}; stopped: ${result.stoppedBy}\n`);
    const l = summary.latency;
    if (l) {
      process.stderr.write(`  latency, event time → row written: p50 ${l.p50Ms} ms · p95 ${l.p95Ms} ms · p99 ${l.p99Ms} ms · p99.9 ${l.p999Ms} ms · max ${l.maxMs} ms over ${l.rows.toLocaleString("en-US")} rows${l.warmupRows ? ` (${l.warmupRows.toLocaleString("en-US")} warm-up rows not counted)` : ""}\n`);
      if (l.stages) {
        const st = (name: string, p: { p50Ms: number; p99Ms: number }) => `${name} p50 ${p.p50Ms} / p99 ${p.p99Ms} ms`;
        process.stderr.write(`  stages: ${st("event → produced", l.stages.eventToProduced)} · ${st("produced → sent", l.stages.producedToSent)} · ${st("sent → fetched", l.stages.sentToFetched)} · ${st("fetched → written", l.stages.fetchedToWritten)}\n`);
      }
      if (l.aheadOfClock) process.stderr.write(`  ${l.aheadOfClock.toLocaleString("en-US")} rows had event times ahead of this machine's clock (a simulated clock or clock skew); counted as 0 ms\n`);
    } else if (latency) process.stderr.write("  latency: no rows measured\n");
  }
  if (result.stoppedBy === "interrupted") throw new InterruptedError(`interrupted: the batch in hand was written and committed; ${result.written} rows written`);
}
