/** `stockpipe consume`: the topic into a sink, with a live status line and a summary. */
import type { CommandContext } from "../commands/context";
import { InterruptedError } from "../errors";
import { createKafka } from "../kafka/client";
import { consume, parseFrom, type ConsumeResult } from "../kafka/consumer";
import { kafkaError } from "../kafka/errors";
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
}

export async function consumeCommand(ctx: CommandContext, f: ConsumeFlags): Promise<void> {
  const c = ctx.config;
  parseFrom(c.consumer.from);
  const group = c.consumer.group ?? `stockpipe-${f.sink}`;
  const sink = await createSink(f.sink, c);
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
  const summary = { topic: c.kafka.topic, group, sink: f.sink, ...result, seconds, rowsPerSecond: Math.round(result.written / Math.max(seconds, 0.01)) };
  if (ctx.format === "json") process.stdout.write(JSON.stringify(summary, null, 2) + "\n");
  else {
    const reasons = Object.entries(result.dlqByReason).map(([r, n]) => `${n} ${r}`).join(", ");
    process.stderr.write(`${chalk.green("✔")} consumed ${result.consumed.toLocaleString("en-US")} messages from ${c.kafka.topic} in ${seconds}s: ${result.written.toLocaleString("en-US")} rows written to ${f.sink} (${summary.rowsPerSecond.toLocaleString("en-US")}/s), ${result.dlq} to ${c.kafka.topic}.dlq${reasons ? ` (${reasons})` : ""}; stopped: ${result.stoppedBy}\n`);
  }
  if (result.stoppedBy === "interrupted") throw new InterruptedError(`interrupted: the batch in hand was written and committed; ${result.written} rows written`);
}
