/** `stockpipe produce`: a source's ticks into the topic, with pacing, rejects, live status and a summary. */
import { type Command, Option } from "commander";
import { InterruptedError, UsageError } from "../../errors";
import { TopicNotFoundError } from "../../kafka/errors";
import { encodeTick, type Tick } from "../../model/tick";
import { parseDuration, parseMarketDate } from "../../model/time";
import type { ProduceResult } from "../../pipeline/produce/produce";
import { FEED_KINDS, SOURCE_KINDS, SOURCE_KITS, type SourceKind } from "../../sources/registry";
import { formatElapsed, formatRate } from "../../ui/status";
import { peakRssMb } from "../common";
import { type CommandContext, commandContext, flag } from "../context";
import { renamed } from "../fields";
import { longRunning } from "../longRunning";
import { examples } from "../options";
import { feedLine, gapLine, onRejected, type ProduceSummary, printSummary } from "./render";
import { SOURCE_FLAG_NAMES, type SourceFlags, sourceSpec } from "./spec";

export function registerProduce(program: Command): void {
  program
    .command("produce")
    .description(
      "stream ticks into Kafka from a CSV file, the market simulator, an HTTP quote feed, a live WebSocket feed (Coinbase, Binance, Kraken, Alpaca, Finnhub, any JSON feed) or a recording of one",
    )
    .addOption(
      new Option("-s, --source <source>", "where ticks come from (default: csv, or every source in the config's `sources` list)").choices([
        ...SOURCE_KINDS,
      ]),
    )
    .option("--topic <topic>", "topic to produce to (default: kafka.topic)")
    .option("--create-topic", "create the topic if it does not exist (kafka.partitions, kafka.replicationFactor)")
    .optionsGroup("CSV replay:")
    .option("--file <path>", "CSV file to replay; - reads stdin")
    .option("--symbol <sym>", "symbol of a file (Yahoo Finance exports) or ws feed whose records carry none")
    .option("--map <field=column,…>", "map columns to tick fields (csv), or fields to dotted JSON paths (http, ws)")
    .option(
      "--speed <n|max>",
      "csv: keep the file's gaps between ticks, n times faster (default max: at once); replay: n times the recorded pace (default 1)",
    )
    .option("--loop", "start again at the end of the file (event times continue forward)")
    .option("--from <date>", "skip ticks before this date/time (market time zone)")
    .option("--to <date>", "skip ticks after this date/time (a date includes the whole day)")
    .optionsGroup("Market simulator:")
    .option(
      "--symbols <list|n>",
      "tickers (AAPL,MSFT,…) or a number of generated ones (synthetic); the symbols of http and the live feeds (BTC-USD for coinbase, BTCUSDT for binance, BTC/USD for kraken)",
    )
    .option("--seed <n>", "make the simulated stream reproducible byte for byte")
    .option("--start <iso>", "event time of the first simulated tick (default: now, or 2024-01-02T14:30Z with --seed)")
    .optionsGroup("HTTP feed:")
    .option(
      "--url <url>",
      "http: quote endpoint ({symbol} or {symbols} and {apiKey} are filled in); ws: the feed; the venues' feeds: another endpoint than the venue's",
    )
    .option(
      "--rest-url <url>",
      "coinbase, binance, kraken, alpaca: the venue's REST API whose trade history repairs the feed's gaps (default: the venue's; see feeds.repair)",
    )
    .option("--interval <duration>", "time between polls", "2s")
    .addOption(
      new Option("--shape <shape>", "response layout").choices(["auto", "yahoo", "finnhub", "alphavantage", "generic"]).default("auto"),
    )
    .option("--records <path>", "dotted path to the array of records in a response (http generic shape) or a frame (ws)")
    .option(
      "--api-key-env <name>",
      "environment variable holding the API key (default APCA_API_KEY_ID for alpaca, FINNHUB_TOKEN for finnhub); never put the key itself on the command line",
    )
    .option("--api-key-header <name>", "send the key in this header instead of the URL's {apiKey}")
    .optionsGroup("Live WebSocket feeds (coinbase, binance, kraken, alpaca, finnhub, ws) and replay:")
    .addOption(new Option("--data-feed <feed>", "alpaca: iex (free) or sip").choices(["iex", "sip"]))
    .option("--channels <list>", "alpaca: trades, quotes or both (default trades)")
    .option("--api-secret-env <name>", "alpaca: environment variable holding the secret (default APCA_API_SECRET_KEY)")
    .option("--quotes", "coinbase, binance, alpaca: the top of the book too (bid, ask and their sizes), as quote ticks")
    .option("--subscribe <json|@file>", "ws: message sent on every connection (a subscription)")
    .option("--record <file>", "write every raw frame with its arrival time to this file (JSON lines), for --source replay")
    .option("--feed <name>", "replay: the feed whose decoder reads the recording (default: the one it names)")
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
        "stockpipe produce --file data/indexProcessed-HSI.csv    # the bundled HSI file, from the stockpipe folder",
        "stockpipe produce --file prices.csv --symbol AAPL --speed 3600 --reject-file rejects.jsonl",
        "cat ticks.csv | stockpipe produce --file - --map symbol=Ticker,ts=Time,price=Last",
        "stockpipe produce --source synthetic --symbols 500 --rate 20000 --duration 1m",
        "stockpipe produce --source synthetic --symbols AAPL,MSFT --seed 42 --limit 1000 --dry-run",
        "FINNHUB_KEY=… stockpipe produce --source http --url 'https://finnhub.io/api/v1/quote?symbol={symbol}' --api-key-env FINNHUB_KEY --api-key-header X-Finnhub-Token --symbols AAPL,MSFT --interval 5s",
        "stockpipe produce --source coinbase --symbols BTC-USD,ETH-USD --topic crypto --create-topic",
        "stockpipe produce --source binance --symbols BTCUSDT,ETHUSDT --topic crypto --record binance.jsonl",
        "stockpipe produce --source kraken --symbols BTC/USD,ETH/EUR --topic crypto",
        "APCA_API_KEY_ID=… APCA_API_SECRET_KEY=… stockpipe produce --source alpaca --symbols AAPL,MSFT --channels trades,quotes --record aapl.jsonl",
        "FINNHUB_TOKEN=… stockpipe produce --source finnhub --symbols AAPL,MSFT",
        "stockpipe produce --source ws --url wss://feed.example/stream --subscribe @sub.json --map symbol=s,price=p,ts=t,volume=q,seq=id",
        "stockpipe produce --source replay --file aapl.jsonl --speed 10",
      ) +
        `\nSources (--source; each one's options and flags: \`stockpipe config reference\`, "Sources"):\n${SOURCE_KITS.map((k) => `  ${k.kind.padEnd(10)} ${k.summary}`).join("\n")}\n` +
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
      const f = opts as unknown as ProduceFlags;
      if (f.source === undefined && ctx.config.sources.length > 0) return runConfigured(ctx, f);
      await produce(ctx, { ...f, source: f.source ?? "csv" });
    });
}

export interface ProduceFlags extends SourceFlags {
  source: SourceKind;
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
  // Replay paces itself by the recorded arrival times (the spec carries --speed); csv by the ticks' event times.
  const speed = f.source !== "csv" || f.speed === undefined || f.speed === "max" ? undefined : positive(f.speed, "--speed");
  const rate = positive(f.rate, "--rate");
  const limit = positive(f.limit, "--limit", true);
  const from = dateBound(f.from, "--from", tz, false);
  const to = dateBound(f.to, "--to", tz, true);
  const durationMs = f.duration === undefined ? undefined : parseDuration(f.duration);
  if (f.duration !== undefined && !durationMs) throw new UsageError(`--duration ${f.duration} must be a duration such as 30s, 5m or 1h`);
  if (f.speed !== undefined && f.source !== "csv" && f.source !== "replay")
    throw new UsageError("--speed replays a file's timing: it goes with --source csv or replay (use --rate for the others)");
  const source = sourceSpec(f.source, f);
  const topic = ctx.config.kafka.topic;
  const { produce: run } = await import("../../pipeline/produce/produce");
  const { produceMetrics, deliveredMetrics, feedMetrics } = await import("../../metrics/progress");
  const started = performance.now();
  let abandon = () => 0;
  let result: ProduceResult;
  try {
    result = await longRunning(
      {
        command: "produce",
        metricsPort: f.metricsPort,
        onSecondInterrupt() {
          const lost = abandon();
          return `interrupted twice: exiting now${lost ? `; ${lost} ticks were not acknowledged by Kafka` : ""}`;
        },
      },
      (live) =>
        run(
          ctx.loaded,
          {
            source,
            topic,
            createTopic: Boolean(f.createTopic),
            speed,
            rate,
            from,
            to,
            limit,
            durationMs,
            rejectFile: f.rejectFile,
            sendTo: f.dryRun ? writeDryRun : undefined,
            signal: live.signal,
          },
          {
            onOpened() {
              if (!f.dryRun) live.spin(`connecting to Kafka at ${ctx.config.kafka.brokers.join(",")}`);
            },
            onStart({ source: opened, progress, abandon: drop }) {
              abandon = drop;
              const { metrics } = live;
              if (metrics) metrics.beforeScrape.push(() => produceMetrics(metrics, progress));
              if (metrics && (FEED_KINDS as readonly string[]).includes(f.source))
                metrics.beforeScrape.push(() => feedMetrics(metrics, opened.name, progress));
              live.live(`connected; producing to ${topic}`, () => {
                const secs = (performance.now() - started) / 1000;
                const pct = opened.progress?.();
                const counted = f.dryRun ? progress.accepted : progress.sent;
                return `${f.dryRun ? "written" : "sent"} ${counted.toLocaleString("en-US")} · ${formatRate(counted / Math.max(secs, 0.001))}/s · rejected ${progress.rejected} · ${formatElapsed(secs * 1000)}${pct !== undefined ? ` · ${(pct * 100).toFixed(1)}% read` : ""}`;
              });
            },
            onRejected: (item, nth) => onRejected(item, nth, live.status, Boolean(f.rejectFile), Boolean(f.strict)),
            onDelivered: (n, ms) => live.metrics && deliveredMetrics(live.metrics, n, ms),
            onRetry: (err, attempt, delay, pending) => {
              live.metrics?.retries.inc();
              live.warn("Kafka did not take a batch", err, attempt, delay, `${pending} ticks buffered`);
            },
            feed: {
              onSubscribed: (feed) => feedLine(live.status, `${feed}: subscribed`),
              onReconnecting(feed, attempt, delay, reason) {
                live.metrics?.retries.inc();
                feedLine(live.status, `${feed}: ${reason}; reconnecting in ${(delay / 1000).toFixed(1)} s (attempt ${attempt})`, true);
              },
              onGap(feed, gap) {
                const { text, warning } = gapLine(gap);
                feedLine(live.status, `${feed}: ${text}`, warning);
              },
            },
          },
        ),
    );
  } catch (err) {
    if (err instanceof TopicNotFoundError && !err.hint?.startsWith("did you mean"))
      err.hint = `run \`stockpipe topic create ${topic}\`, or pass --create-topic`;
    throw renamed(err, SOURCE_FLAG_NAMES);
  }
  const seconds = Math.round((performance.now() - started) / 10) / 100;
  const summary: ProduceSummary = {
    source: result.source,
    topic: f.dryRun ? "(dry run)" : topic,
    sent: result.sent,
    rejected: result.rejected,
    rejectedByReason: result.rejectedByReason,
    skippedOutsideRange: result.skippedOutsideRange,
    seconds,
    ticksPerSecond: Math.round(result.sent / Math.max(seconds, 0.01)),
    stoppedBy: result.stoppedBy,
    peakRssMb: peakRssMb(),
    // A replay of a feed's recording says the gaps it recorded, as the live run did.
    ...((FEED_KINDS as readonly string[]).includes(f.source) || f.source === "replay" ? { feed: result.feed } : {}),
  };
  printSummary(ctx, summary, Boolean(f.dryRun));
  if (summary.stoppedBy === "interrupted")
    throw new InterruptedError(`interrupted: ${summary.sent} ticks sent and acknowledged before stopping`);
}

/** Every configured source at once: the flow flags apply to each. */
async function runConfigured(ctx: CommandContext, f: ProduceFlags): Promise<void> {
  const tz = ctx.config.market.timeZone;
  const durationMs = f.duration === undefined ? undefined : parseDuration(f.duration);
  if (f.duration !== undefined && !durationMs) throw new UsageError(`--duration ${f.duration} must be a duration such as 30s, 5m or 1h`);
  for (const flag of ["file", "url", "restUrl", "symbols", "map", "speed", "rejectFile", "dryRun", "record", "quotes"] as const)
    if (f[flag] !== undefined)
      throw new UsageError(
        `--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} goes with --source: the config's sources say their own options`,
        {
          hint: "pass --source to produce from one source, or set the option in the config's sources list",
        },
      );
  const { produceConfigured } = await import("./many");
  await produceConfigured(ctx, {
    rate: positive(f.rate, "--rate"),
    limit: positive(f.limit, "--limit", true),
    durationMs,
    from: dateBound(f.from, "--from", tz, false),
    to: dateBound(f.to, "--to", tz, true),
    createTopic: Boolean(f.createTopic),
    metricsPort: f.metricsPort,
  });
}

/** --dry-run: the encoded ticks on stdout, one JSON line each, at the pace stdout takes them. */
async function writeDryRun(tick: Tick): Promise<void> {
  if (!process.stdout.write(`${encodeTick(tick)}\n`)) await new Promise<void>((r) => process.stdout.once("drain", () => r()));
}
