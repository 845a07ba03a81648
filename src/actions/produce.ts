/** `stockpipe produce`: a source's ticks into the topic, with pacing, rejects, live status and a summary. */
import { createWriteStream, type WriteStream } from "node:fs";
import type { CommandContext } from "../commands/context";
import { InterruptedError, RuntimeError, UsageError } from "../errors";
import { connectTickProducer, type TickProducer } from "../kafka/tickProducer";
import { encodeTick } from "../model/tick";
import { parseDuration, parseMarketDate } from "../model/time";
import { Pacer } from "../sources/pacer";
import { createSource, type SourceFlags } from "../sources/registry";
import type { Rejected } from "../sources/types";
import { chalk, log } from "../ui/log";
import { printRecord } from "../ui/output";
import { onInterrupt } from "../ui/signals";
import { spinner } from "../ui/spinner";
import { formatElapsed, formatRate, StatusLine } from "../ui/status";

export interface ProduceFlags extends SourceFlags {
  source: string;
  speed?: string;
  limit?: string;
  from?: string;
  to?: string;
  duration?: string;
  rejectFile?: string;
  strict?: boolean;
  dryRun?: boolean;
  createTopic?: boolean;
}

export interface ProduceSummary {
  source: string;
  topic: string;
  sent: number;
  rejected: number;
  rejectedByReason: Record<string, number>;
  skippedOutsideRange: number;
  seconds: number;
  ticksPerSecond: number;
  stoppedBy: "end of input" | "limit" | "duration" | "interrupted";
}

const SHOWN_REJECTS = 5;

function positive(value: string | undefined, flag: string, integer = false): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new UsageError(`${flag} ${value} must be a positive ${integer ? "whole " : ""}number`);
  return n;
}

function dateBound(value: string | undefined, flag: string, timeZone: string, endOfDay: boolean): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseMarketDate(value, timeZone);
  if (ms === undefined) throw new UsageError(`${flag} ${value} is not a date (YYYY-MM-DD or ISO-8601)`);
  // --to 2005-12-31 includes that whole day.
  return endOfDay && /^\d{4}-\d{2}-\d{2}$/.test(value.trim()) ? ms + 86_400_000 - 1 : ms;
}

export async function produce(ctx: CommandContext, f: ProduceFlags): Promise<void> {
  const tz = ctx.config.market.timeZone;
  const speed = f.speed === undefined || f.speed === "max" ? undefined : positive(f.speed, "--speed");
  const rate = positive(f.rate, "--rate");
  const limit = positive(f.limit, "--limit", true);
  const from = dateBound(f.from, "--from", tz, false);
  const to = dateBound(f.to, "--to", tz, true);
  const durationMs = f.duration === undefined ? undefined : parseDuration(f.duration);
  if (f.duration !== undefined && !durationMs) throw new UsageError(`--duration ${f.duration} must be a duration such as 30s, 5m or 1h`);
  if (speed !== undefined && f.source !== "csv") throw new UsageError("--speed replays a file's timing: it goes with --source csv (use --rate for the others)");

  const source = await createSource(f.source, f, ctx.config);
  await source.open();
  const topic = ctx.config.kafka.topic;
  const summary: ProduceSummary = { source: source.name, topic: f.dryRun ? "(dry run)" : topic, sent: 0, rejected: 0, rejectedByReason: {}, skippedOutsideRange: 0, seconds: 0, ticksPerSecond: 0, stoppedBy: "end of input" };
  const rejectOut: WriteStream | undefined = f.rejectFile ? createWriteStream(f.rejectFile) : undefined;
  if (rejectOut) await new Promise<void>((resolve, reject) => rejectOut.once("open", () => resolve()).once("error", (e) => reject(new RuntimeError(`cannot write --reject-file ${f.rejectFile}: ${e.message}`))));

  let producer: TickProducer | undefined;
  let status: StatusLine | undefined;
  const interrupt = onInterrupt(() => {
    status?.stop();
    const lost = producer?.batching.abandon() ?? 0;
    log.error(`interrupted twice: exiting now${lost ? `; ${lost} ticks were not acknowledged by Kafka` : ""}`);
  });
  const started = performance.now();
  let accepted = 0;
  try {
    if (!f.dryRun) {
      const sp = spinner(`connecting to Kafka at ${ctx.config.kafka.brokers.join(",")}`);
      let lastRetryLog = 0;
      producer = await connectTickProducer(ctx, {
        topic,
        createTopic: Boolean(f.createTopic),
        rate: speed === undefined ? rate : undefined,
        onDelivered: (n) => (summary.sent += n),
        onRetry: (err, attempt, delay) => {
          if (Date.now() - lastRetryLog < 5000) return;
          lastRetryLog = Date.now();
          const message = `Kafka did not take a batch (${err.message}); retry ${attempt} in ${delay}ms, ${producer?.batching.pending ?? 0} ticks buffered`;
          if (status) status.print(`${chalk.yellow("warning")} ${message}`);
          else log.warn(message);
        },
      }).catch((err) => {
        sp.fail();
        throw err;
      });
      sp.succeed(`connected; producing to ${topic}`);
    }
    const progress = () => source.progress?.();
    status = new StatusLine(() => {
      const secs = (performance.now() - started) / 1000;
      const pct = progress();
      const counted = f.dryRun ? accepted : summary.sent;
      return `${f.dryRun ? "written" : "sent"} ${counted.toLocaleString("en-US")} · ${formatRate(counted / Math.max(secs, 0.001))}/s · rejected ${summary.rejected} · ${formatElapsed(secs * 1000)}${pct !== undefined ? ` · ${(pct * 100).toFixed(1)}% read` : ""}`;
    }).start();

    const pacer = new Pacer(speed, rate);
    const deadline = durationMs !== undefined ? performance.now() + durationMs : undefined;
    const stop = new AbortController();
    const signal = AbortSignal.any([interrupt.signal, stop.signal]);
    for await (const item of source.items(signal)) {
      if (item.kind === "rejected") {
        await onRejected(item, summary, status, rejectOut, Boolean(f.strict));
        continue;
      }
      if ((from !== undefined && item.eventMs < from) || (to !== undefined && item.eventMs > to)) {
        summary.skippedOutsideRange++;
        continue;
      }
      await pacer.wait(item.eventMs, signal);
      if (signal.aborted) break;
      if (f.dryRun) {
        if (!process.stdout.write(encodeTick(item.tick) + "\n")) await new Promise<void>((r) => process.stdout.once("drain", () => r()));
      } else {
        await producer!.batching.send(producer!.message(item.tick));
      }
      accepted++;
      if (limit !== undefined && accepted >= limit) {
        summary.stoppedBy = "limit";
        break;
      }
      if (deadline !== undefined && performance.now() >= deadline) {
        summary.stoppedBy = "duration";
        stop.abort();
        break;
      }
    }
    if (interrupt.received) summary.stoppedBy = "interrupted";
    if (producer) await producer.batching.flush();
    if (f.dryRun) summary.sent = accepted;
  } finally {
    status?.stop();
    interrupt.dispose();
    await producer?.disconnect();
    await source.close();
    if (rejectOut) await new Promise<void>((r) => rejectOut.end(() => r()));
  }
  summary.seconds = Math.round((performance.now() - started) / 10) / 100;
  summary.ticksPerSecond = Math.round(summary.sent / Math.max(summary.seconds, 0.01));
  printSummary(ctx, summary, Boolean(f.dryRun));
  if (summary.stoppedBy === "interrupted") throw new InterruptedError(`interrupted: ${summary.sent} ticks sent and acknowledged before stopping`);
}

async function onRejected(item: Rejected, summary: ProduceSummary, status: StatusLine | undefined, out: WriteStream | undefined, strict: boolean): Promise<void> {
  summary.rejected++;
  summary.rejectedByReason[item.reason] = (summary.rejectedByReason[item.reason] ?? 0) + 1;
  const where = item.line !== undefined ? `line ${item.line}` : (item.url ?? "input");
  if (strict) throw new RuntimeError(`${where}: ${item.detail} (--strict stops at the first bad row)`, { hint: "fix the row, or drop --strict to skip bad rows and count them" });
  if (summary.rejected <= SHOWN_REJECTS) status?.print(`${chalk.yellow("rejected")} ${where}: ${item.detail}`);
  else if (summary.rejected === SHOWN_REJECTS + 1) status?.print(`${chalk.yellow("rejected")} more rows…${out ? " (all of them go to --reject-file)" : " (pass --reject-file PATH to keep them all)"}`);
  if (out) {
    const line = JSON.stringify(item.line !== undefined ? { line: item.line, reason: item.detail, raw: item.raw } : { url: item.url, reason: item.detail, raw: item.raw }) + "\n";
    if (!out.write(line)) await new Promise<void>((r) => out.once("drain", () => r()));
  }
}

function printSummary(ctx: CommandContext, s: ProduceSummary, dryRun: boolean): void {
  if (ctx.format === "json") {
    (dryRun ? process.stderr : process.stdout).write(JSON.stringify(s, null, 2) + "\n");
    return;
  }
  const reasons = Object.entries(s.rejectedByReason).sort((a, b) => b[1] - a[1]).map(([r, n]) => `${n} ${r}`).join(", ");
  const lines = [
    `${chalk.green("✔")} ${dryRun ? "wrote" : "sent"} ${s.sent.toLocaleString("en-US")} ticks from ${s.source} ${dryRun ? "to stdout (dry run)" : `to ${s.topic}`} in ${s.seconds}s (${s.ticksPerSecond.toLocaleString("en-US")}/s); stopped by ${s.stoppedBy}`,
    `  rejected ${s.rejected}${reasons ? ` (${reasons})` : ""}${s.skippedOutsideRange ? `; ${s.skippedOutsideRange} outside --from/--to` : ""}`,
  ];
  if (dryRun || ctx.format === "table") process.stderr.write(lines.join("\n") + "\n");
  else printRecord(s as unknown as Record<string, unknown>, ctx.format);
}
