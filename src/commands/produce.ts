/** `stockpipe produce`: a source's ticks into the topic, with pacing, rejects, live status and a summary. */
import { createWriteStream, type WriteStream } from "node:fs";
import { type Command, Option } from "commander";
import { InterruptedError, RuntimeError, UsageError } from "../errors";
import { TopicNotFoundError } from "../kafka/errors";
import type { TickProducer } from "../kafka/tickProducer";
import { chalk, log } from "../log";
import { encodeTick, type Tick } from "../model/tick";
import { parseDuration, parseMarketDate } from "../model/time";
import type { SourceFlags } from "../sources/registry";
import type { Rejected } from "../sources/types";
import { printRecord } from "../ui/output";
import { onInterrupt } from "../ui/signals";
import { spinner } from "../ui/spinner";
import { formatElapsed, formatRate, StatusLine } from "../ui/status";
import { peakRssMb, retryWarning, startMetrics } from "./common";
import { type CommandContext, commandContext, flag } from "./context";
import { examples } from "./options";

export function registerProduce(program: Command): void {
  program
    .command("produce")
    .description("stream ticks into Kafka from a CSV file, the market simulator or an HTTP quote feed")
    .addOption(new Option("-s, --source <source>", "where ticks come from").choices(["csv", "synthetic", "http"]).default("csv"))
    .option("--topic <topic>", "topic to produce to (default: kafka.topic)")
    .option("--create-topic", "create the topic if it does not exist (kafka.partitions, kafka.replicationFactor)")
    .optionsGroup("CSV replay:")
    .option("--file <path>", "CSV file to replay; - reads stdin")
    .option("--symbol <sym>", "symbol for files without a symbol column (Yahoo Finance exports)")
    .option("--map <field=column,…>", "map columns to tick fields (csv), or fields to dotted JSON paths (http)")
    .option("--speed <n|max>", "keep the file's gaps between ticks, n times faster; max sends at once", "max")
    .option("--loop", "start again at the end of the file (event times continue forward)")
    .option("--from <date>", "skip ticks before this date/time (market time zone)")
    .option("--to <date>", "skip ticks after this date/time (a date includes the whole day)")
    .optionsGroup("Market simulator:")
    .option("--symbols <list|n>", "tickers (AAPL,MSFT,…) or a number of generated ones (synthetic, http)")
    .option("--seed <n>", "make the simulated stream reproducible byte for byte")
    .option("--start <iso>", "event time of the first simulated tick (default: now, or 2024-01-02T14:30Z with --seed)")
    .optionsGroup("HTTP feed:")
    .option("--url <url>", "quote endpoint; {symbol} or {symbols} and {apiKey} are filled in")
    .option("--interval <duration>", "time between polls", "2s")
    .addOption(
      new Option("--shape <shape>", "response layout").choices(["auto", "yahoo", "finnhub", "alphavantage", "generic"]).default("auto"),
    )
    .option("--records <path>", "dotted path to the array of quotes in the response (generic shape)")
    .option("--api-key-env <name>", "environment variable holding the API key (never put the key itself on the command line)")
    .option("--api-key-header <name>", "send the key in this header instead of the URL's {apiKey}")
    .optionsGroup("Flow and delivery:")
    .option("--rate <n>", "at most n ticks per second (synthetic: also the simulated pace, default 1000)")
    .option("--limit <n>", "stop after n ticks")
    .option("--duration <time>", "stop after this long, e.g. 30s, 5m")
    .option("--batch-size <n>", "messages per produce request (producer.batchSize)")
    .option("--linger-ms <n>", "longest wait to fill a batch (producer.lingerMs)")
    .option("--max-in-flight <n>", "produce requests in flight (producer.maxInFlight)")
    .addOption(new Option("--acks <acks>", "acknowledgement per batch (producer.acks)").choices(["all", "leader", "none"]))
    .option("--idempotent", "idempotent producer: no duplicates from retries (one request in flight)")
    .addOption(new Option("--compression <codec>", "compression (producer.compression)").choices(["none", "gzip"]))
    .optionsGroup("Bad input and output:")
    .option("--reject-file <path>", 'write every rejected row as a JSON line {"line","reason","raw"}')
    .option("--strict", "stop at the first bad row (exit 1)")
    .option("--dry-run", "send nothing; write the encoded ticks to stdout as JSON lines")
    .option("--metrics-port <[host:]port>", "serve Prometheus metrics at http://host:port/metrics while running")
    .addOption(new Option("-f, --format <format>", "summary format").choices(["table", "json"]).default("table"))
    .addHelpText(
      "after",
      examples(
        "stockpipe produce --file ../shared/data/indexProcessed-HSI.csv",
        "stockpipe produce --file prices.csv --symbol AAPL --speed 3600 --reject-file rejects.jsonl",
        "cat ticks.csv | stockpipe produce --file - --map symbol=Ticker,ts=Time,price=Last",
        "stockpipe produce --source synthetic --symbols 500 --rate 20000 --duration 1m",
        "stockpipe produce --source synthetic --symbols AAPL,MSFT --seed 42 --limit 1000 --dry-run",
        "FINNHUB_KEY=… stockpipe produce --source http --url 'https://finnhub.io/api/v1/quote?symbol={symbol}' --api-key-env FINNHUB_KEY --api-key-header X-Finnhub-Token --symbols AAPL,MSFT --interval 5s",
      ) +
        "\nEvery tick is tick v1 JSON keyed by symbol. Ctrl-C stops reading, flushes what is buffered, prints the summary and exits 130.\n",
    )
    .action(async (opts: Record<string, string | boolean | undefined>, cmd: Command) => {
      const ctx = commandContext(cmd, [
        ...flag("kafka.topic", opts.topic, "--topic"),
        ...flag("producer.batchSize", opts.batchSize, "--batch-size"),
        ...flag("producer.lingerMs", opts.lingerMs, "--linger-ms"),
        ...flag("producer.maxInFlight", opts.maxInFlight, "--max-in-flight"),
        ...flag("producer.acks", opts.acks, "--acks"),
        ...flag("producer.idempotent", opts.idempotent, "--idempotent"),
        ...flag("producer.compression", opts.compression, "--compression"),
      ]);
      await produce(ctx, opts as unknown as ProduceFlags);
    });
}

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
  metricsPort?: string;
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
  /** The process's largest resident set, MB. */
  peakRssMb: number;
}

const SHOWN_REJECTS = 5;

function positive(value: string | undefined, flag: string, integer = false): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
    throw new UsageError(`${flag} ${value} must be a positive ${integer ? "whole " : ""}number`);
  return n;
}

function dateBound(value: string | undefined, flag: string, timeZone: string, endOfDay: boolean): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseMarketDate(value, timeZone);
  if (ms === undefined) throw new UsageError(`${flag} ${value} is not a date (YYYY-MM-DD or ISO-8601)`);
  // --to 2005-12-31 includes that whole day.
  return endOfDay && /^\d{4}-\d{2}-\d{2}$/.test(value.trim()) ? ms + 86_400_000 - 1 : ms;
}

async function produce(ctx: CommandContext, f: ProduceFlags): Promise<void> {
  const tz = ctx.config.market.timeZone;
  const speed = f.speed === undefined || f.speed === "max" ? undefined : positive(f.speed, "--speed");
  const rate = positive(f.rate, "--rate");
  const limit = positive(f.limit, "--limit", true);
  const from = dateBound(f.from, "--from", tz, false);
  const to = dateBound(f.to, "--to", tz, true);
  const durationMs = f.duration === undefined ? undefined : parseDuration(f.duration);
  if (f.duration !== undefined && !durationMs) throw new UsageError(`--duration ${f.duration} must be a duration such as 30s, 5m or 1h`);
  if (speed !== undefined && f.source !== "csv")
    throw new UsageError("--speed replays a file's timing: it goes with --source csv (use --rate for the others)");

  const { createSource } = await import("../sources/registry");
  const { Pacer } = await import("../sources/pacer");
  const { newCounts, produceFrom } = await import("../pipeline/produce");
  const source = await createSource(f.source, f, ctx.config);
  await source.open();
  const topic = ctx.config.kafka.topic;
  const summary: ProduceSummary = {
    source: source.name,
    topic: f.dryRun ? "(dry run)" : topic,
    sent: 0,
    rejected: 0,
    rejectedByReason: {},
    skippedOutsideRange: 0,
    seconds: 0,
    ticksPerSecond: 0,
    stoppedBy: "end of input",
    peakRssMb: 0,
  };
  const rejectOut: WriteStream | undefined = f.rejectFile ? createWriteStream(f.rejectFile) : undefined;
  if (rejectOut)
    await new Promise<void>((resolve, reject) =>
      rejectOut
        .once("open", () => resolve())
        .once("error", (e) => reject(new RuntimeError(`cannot write --reject-file ${f.rejectFile}: ${e.message}`))),
    );

  let producer: TickProducer | undefined;
  let status: StatusLine | undefined;
  const interrupt = onInterrupt(() => {
    status?.stop();
    const lost = producer?.batching.abandon() ?? 0;
    log.error(`interrupted twice: exiting now${lost ? `; ${lost} ticks were not acknowledged by Kafka` : ""}`);
  });
  const started = performance.now();
  const counts = newCounts();
  const { metrics, stop: stopMetrics } = await startMetrics("produce", f.metricsPort);
  const { produceMetrics, deliveredMetrics } = await import("../metrics/progress");
  if (metrics) metrics.beforeScrape.push(() => produceMetrics(metrics, counts));
  try {
    if (!f.dryRun)
      producer = await connect(ctx, f, speed === undefined ? rate : undefined, summary, () => status, {
        delivered: (n, ms) => metrics && deliveredMetrics(metrics, n, ms),
        retried: () => metrics?.retries.inc(),
      });
    status = new StatusLine(() => {
      const secs = (performance.now() - started) / 1000;
      const pct = source.progress?.();
      const counted = f.dryRun ? counts.accepted : summary.sent;
      return `${f.dryRun ? "written" : "sent"} ${counted.toLocaleString("en-US")} · ${formatRate(counted / Math.max(secs, 0.001))}/s · rejected ${counts.rejected} · ${formatElapsed(secs * 1000)}${pct !== undefined ? ` · ${(pct * 100).toFixed(1)}% read` : ""}`;
    }).start();
    await produceFrom(
      {
        source,
        send: producer ? producer.send : writeDryRun,
        pacer: new Pacer(speed, rate),
        from,
        to,
        limit,
        deadline: durationMs !== undefined ? performance.now() + durationMs : undefined,
        signal: interrupt.signal,
        onRejected: (item) => onRejected(item, counts.rejected, status, rejectOut, Boolean(f.strict)),
      },
      counts,
    );
    Object.assign(summary, {
      rejected: counts.rejected,
      rejectedByReason: counts.rejectedByReason,
      skippedOutsideRange: counts.skippedOutsideRange,
      stoppedBy: counts.stoppedBy,
    });
    if (producer) await producer.batching.flush();
    if (f.dryRun) summary.sent = counts.accepted;
  } catch (err) {
    metrics?.errors.inc();
    throw err;
  } finally {
    status?.stop();
    interrupt.dispose();
    await stopMetrics();
    await producer?.disconnect();
    await source.close();
    if (rejectOut) await new Promise<void>((r) => rejectOut.end(() => r()));
  }
  summary.seconds = Math.round((performance.now() - started) / 10) / 100;
  summary.ticksPerSecond = Math.round(summary.sent / Math.max(summary.seconds, 0.01));
  summary.peakRssMb = peakRssMb();
  printSummary(ctx, summary, Boolean(f.dryRun));
  if (summary.stoppedBy === "interrupted")
    throw new InterruptedError(`interrupted: ${summary.sent} ticks sent and acknowledged before stopping`);
}

/** --dry-run: the encoded ticks on stdout, one JSON line each, at the pace stdout takes them. */
async function writeDryRun(tick: Tick): Promise<void> {
  if (!process.stdout.write(`${encodeTick(tick)}\n`)) await new Promise<void>((r) => process.stdout.once("drain", () => r()));
}

async function connect(
  ctx: CommandContext,
  f: ProduceFlags,
  rate: number | undefined,
  summary: ProduceSummary,
  status: () => StatusLine | undefined,
  observe: { delivered(count: number, ms: number): void; retried(): void },
): Promise<TickProducer> {
  const { connectTickProducer } = await import("../kafka/tickProducer");
  const topic = ctx.config.kafka.topic;
  const sp = spinner(`connecting to Kafka at ${ctx.config.kafka.brokers.join(",")}`);
  let producer: TickProducer | undefined;
  const warn = retryWarning(status);
  try {
    producer = await connectTickProducer(ctx.loaded, {
      topic,
      createTopic: Boolean(f.createTopic),
      rate,
      onDelivered: (n, ms) => {
        summary.sent += n;
        observe.delivered(n, ms);
      },
      onRetry: (err, attempt, delay) => {
        observe.retried();
        warn("Kafka did not take a batch", err, attempt, delay, `${producer?.batching.pending ?? 0} ticks buffered`);
      },
    });
  } catch (err) {
    sp.fail();
    if (err instanceof TopicNotFoundError) err.hint = `run \`stockpipe topic create ${topic}\`, or pass --create-topic`;
    throw err;
  }
  sp.succeed(`connected; producing to ${topic}`);
  return producer;
}

/** Shows the first few rejected rows, writes every one to --reject-file, or stops at the first with --strict. */
async function onRejected(
  item: Rejected,
  nth: number,
  status: StatusLine | undefined,
  out: WriteStream | undefined,
  strict: boolean,
): Promise<void> {
  const where = item.line !== undefined ? `line ${item.line}` : (item.url ?? "input");
  if (strict)
    throw new RuntimeError(`${where}: ${item.detail} (--strict stops at the first bad row)`, {
      hint: "fix the row, or drop --strict to skip bad rows and count them",
    });
  if (nth <= SHOWN_REJECTS) status?.print(`${chalk.yellow("rejected")} ${where}: ${item.detail}`);
  else if (nth === SHOWN_REJECTS + 1)
    status?.print(
      `${chalk.yellow("rejected")} more rows…${out ? " (all of them go to --reject-file)" : " (pass --reject-file PATH to keep them all)"}`,
    );
  if (out) {
    const line = `${JSON.stringify(item.line !== undefined ? { line: item.line, reason: item.detail, raw: item.raw } : { url: item.url, reason: item.detail, raw: item.raw })}\n`;
    if (!out.write(line)) await new Promise<void>((r) => out.once("drain", () => r()));
  }
}

function printSummary(ctx: CommandContext, s: ProduceSummary, dryRun: boolean): void {
  if (ctx.format === "json") {
    (dryRun ? process.stderr : process.stdout).write(`${JSON.stringify(s, null, 2)}\n`);
    return;
  }
  const reasons = Object.entries(s.rejectedByReason)
    .sort((a, b) => b[1] - a[1])
    .map(([r, n]) => `${n} ${r}`)
    .join(", ");
  const lines = [
    `${chalk.green("✔")} ${dryRun ? "wrote" : "sent"} ${s.sent.toLocaleString("en-US")} ticks from ${s.source} ${dryRun ? "to stdout (dry run)" : `to ${s.topic}`} in ${s.seconds}s (${s.ticksPerSecond.toLocaleString("en-US")}/s); stopped by ${s.stoppedBy}`,
    `  rejected ${s.rejected}${reasons ? ` (${reasons})` : ""}${s.skippedOutsideRange ? `; ${s.skippedOutsideRange} outside --from/--to` : ""}`,
  ];
  if (dryRun || ctx.format === "table") process.stderr.write(`${lines.join("\n")}\n`);
  else printRecord(s as unknown as Record<string, unknown>, ctx.format);
}
