/**
 * `stockpipe demo`: the whole pipeline on the local stack in one command. Brings up the stack if needed, then
 * streams the bundled HSI file and simulated ticks through Kafka into Cassandra and the lake at the same time,
 * queries both, and prints a summary. Safe to run twice: every run starts from a clean slate of its own names.
 */
import type { Command } from "commander";
import type { LoadedConfig } from "../config/loader";
import { redactor } from "../config/redact";
import { InterruptedError, RuntimeError, UsageError } from "../errors";
import { withLocalS3Credentials } from "../local/credentials";
import { withLocalEndpoints } from "../local/env";
import { chalk, log, setRedaction } from "../log";
import { parseDuration } from "../model/time";
import { plural, printRows } from "../ui/output";
import { onInterrupt } from "../ui/signals";
import { spinner, withSpinner } from "../ui/spinner";
import { throttle } from "../util/retry";
import { RETRY_WARNING_MS } from "./common";
import { type CommandContext, commandContext, flag } from "./context";
import { openDashboard } from "./dashboard";
import { examples } from "./options";
import { symbolsFlag } from "./produce/spec";

export interface DemoOptions {
  /** The demo's topic (its keyspace and lake prefix follow it): two people sharing a cluster each take their own. */
  name: string;
  duration: string;
  symbols: string;
  keepRunning: boolean;
  /** Serve the dashboard on the demo's data (a port, or true for dashboard.port). */
  dashboard?: string | true;
  /** Replay a feed recording (true: the bundled one) instead of the simulated stream. */
  recording?: string | true;
}

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description(
      "the whole pipeline on the local stack: real HSI data and simulated ticks → Kafka → Cassandra, the lake and analyze (bars, alerts) → queries",
    )
    .option("--duration <time>", "how long to stream simulated ticks", "5s")
    .option(
      "--name <name>",
      "the demo's topic; its keyspace, lake prefix and groups follow it (on a shared cluster, one each)",
      "stockpipe-demo",
    )
    .option("--symbols <list|n>", "simulated symbols", "AAPL,MSFT,GOOG,AMZN,NVDA")
    .option("--keep-running", "keep the simulated stream and both consumers running until Ctrl-C")
    .option("--dashboard [port]", "also serve the live dashboard on the demo's data, streaming until Ctrl-C (default port: dashboard.port)")
    .option(
      "--recording [file]",
      "replay a live feed's recording (default: the bundled three minutes of Alpaca's stream) instead of simulated ticks",
    )
    .addHelpText(
      "after",
      examples(
        "npx stockpipe demo",
        "stockpipe demo --duration 30s --symbols 20",
        "stockpipe demo --keep-running",
        "stockpipe demo --dashboard --symbols 50      # then open http://127.0.0.1:8080/",
        "stockpipe demo --recording                   # three minutes of a live Alpaca stream, recorded",
        "stockpipe demo --name alice-demo             # topic, keyspace, prefix and groups of its own, beside others",
      ),
    )
    .action(
      async (
        opts: {
          name: string;
          duration: string;
          symbols: string;
          keepRunning?: boolean;
          dashboard?: string | true;
          recording?: string | true;
        },
        cmd: Command,
      ) => {
        const ctx = commandContext(cmd, typeof opts.dashboard === "string" ? flag("dashboard.port", opts.dashboard, "--dashboard") : []);
        await demoCommand(ctx, {
          name: opts.name,
          duration: opts.duration,
          symbols: opts.symbols,
          keepRunning: Boolean(opts.keepRunning) || opts.dashboard !== undefined,
          dashboard: opts.dashboard,
          recording: opts.recording,
        });
      },
    );
}

async function ensureStack(ctx: CommandContext): Promise<void> {
  const { status, up } = await import("../local/stack");
  const missing = (await status(ctx.config)).filter((s) => s.state !== "running").map((s) => s.service);
  if (!missing.length) return;
  const sp = spinner(`starting the local stack (${missing.join(", ")}); the first run downloads it with Maven`);
  await up(ctx.config, { progress: (s, m) => sp.text(`local stack: ${s} ${m}`) }, missing).catch((err) => {
    sp.fail();
    throw err;
  });
  sp.succeed("local stack running");
  // A stack that has never run made its S3 keys just now: the config loaded before it could not see them.
  withLocalS3Credentials(ctx.loaded);
  setRedaction(redactor(ctx.loaded));
}

/**
 * Daily bars from the lake's ticks: a tick's own open, high, low and close where it carries them (the HSI file's
 * daily bars), its price otherwise (simulated ticks). Days are UTC dates of the ticks' event times.
 */
const DAILY_OHLC = `
  WITH daily AS (
    SELECT symbol, CAST(ts AS DATE) AS day,
           arg_min(coalesce(open, price), ts) AS open, max(coalesce(high, price)) AS high,
           min(coalesce(low, price)) AS low, arg_max(coalesce(close, price), ts) AS close, count(*) AS ticks
    FROM ticks GROUP BY symbol, day)
  SELECT * FROM daily QUALIFY row_number() OVER (PARTITION BY symbol ORDER BY day DESC) <= 5 ORDER BY symbol, day`;

async function demoCommand(ctx: CommandContext, o: DemoOptions): Promise<void> {
  const durationMs = parseDuration(o.duration);
  if (!durationMs) throw new UsageError(`--duration ${o.duration} must be a duration such as 10s or 1m`);
  const { DEMO_NAME, bundledRecording, cleanSlate, demoConfig, demoNames, streamDemo } = await import("../pipeline/demo");
  if (!DEMO_NAME.test(o.name))
    throw new UsageError(`--name ${o.name} must be 1-40 lower-case letters, digits or '-', starting with a letter`, {
      hint: "e.g. --name alice-demo",
    });
  const names = demoNames(o.name);
  const { demoAnalytics, notifyDemo } = await import("../pipeline/demoResults");
  const recording = o.recording === true ? bundledRecording() : o.recording;
  const started = performance.now();
  withLocalEndpoints(ctx.loaded);
  await ensureStack(ctx);
  const loaded = demoConfig(ctx.loaded, o.name);
  const config = loaded.config;
  await withSpinner(
    `preparing topic ${names.topic}, keyspace ${names.keyspace} and s3://${config.s3.bucket}/${names.prefix}/`,
    () => cleanSlate(loaded),
    () => "clean demo topic, keyspace and lake prefix",
  );

  const interrupt = onInterrupt(() => log.error("interrupted twice: exiting now"));
  // The page shows the data as it arrives; it stops with the stream, at Ctrl-C.
  const stopDashboard = new AbortController();
  const dashboardSignal = AbortSignal.any([interrupt.signal, stopDashboard.signal]);
  const dashboard =
    o.dashboard === undefined
      ? undefined
      : await openDashboard(loaded, { from: "earliest", signal: dashboardSignal, portFlag: "--dashboard" }).catch((err) => {
          interrupt.dispose();
          throw err;
        });
  const sp = spinner("streaming");
  const n = (x: number) => x.toLocaleString("en-US");
  const warn = throttle(RETRY_WARNING_MS, (sink: string, err: Error) => log.warn(`${sink}: ${err.message.split("\n")[0]}; retrying`));
  let streamed: { produced: number; rejected: number };
  try {
    streamed = await streamDemo(
      loaded,
      { symbols: symbolsFlag(o.symbols) ?? [], recording, durationMs: o.keepRunning ? undefined : durationMs, signal: interrupt.signal },
      {
        onProgress: (p) =>
          sp.text(
            `streaming: produced ${n(p.produced)} · Cassandra ${n(p.cassandra)} · lake ${n(p.s3)} · analyzed ${n(p.analyzed)} (${n(p.bars)} bars, ${n(p.alerts)} alerts)`,
          ),
        onRetry: warn,
      },
    );
  } catch (err) {
    sp.fail();
    throw err;
  } finally {
    interrupt.dispose();
    stopDashboard.abort();
    await dashboard?.closed;
  }
  const { produced, rejected } = streamed;
  sp.succeed(`streamed ${n(produced)} ticks into Cassandra and the lake, and analyzed them into bars and alerts`);
  if (interrupt.received && !o.keepRunning) throw new InterruptedError("interrupted");

  // What the stream made is read back all at once (the stores, the bars and alerts, notify's deliveries), then shown
  // in order.
  const notifying = notifyDemo(loaded, new AbortController().signal);
  notifying.catch(() => {});
  const [{ latest, inCassandra, ohlc, inLake }, dailyBars, { bars, alerts }] = await Promise.all([
    readStores(loaded),
    demoAnalytics(loaded, "1d"),
    demoAnalytics(loaded, "1m"),
  ]);
  process.stderr.write(`\n${chalk.bold("Latest price per symbol (Cassandra, latest_ticks):")}\n`);
  printRows(
    latest.rows,
    latest.columns.map((key) => ({ key })),
    "table",
  );
  process.stderr.write(`\n${chalk.bold("Daily OHLC from the lake, the last 5 days per symbol (query --engine local):")}\n`);
  printRows(
    ohlc.rows,
    ohlc.columns.map((key) => ({ key })),
    "table",
  );
  const daily = dailyBars.bars.filter((b) => b.symbol === "HSI").slice(-5);
  process.stderr.write(
    `\n${chalk.bold(`The HSI's last sessions on the Hong Kong exchange's calendar (analyze → ${names.topic}.bars.1d):`)}\n`,
  );
  printRows(
    daily.map((b) => ({ ...b })),
    ["symbol", "session", "start", "end", "open", "high", "low", "close"].map((key) => ({ key })),
    "table",
  );
  // The first three symbols streamed: the simulator's, or the recording's.
  const shown = recording
    ? [...new Set(bars.map((b) => b.symbol))].sort().slice(0, 3)
    : o.symbols
        .split(",")
        .slice(0, 3)
        .map((x) => x.trim().toUpperCase());
  process.stderr.write(`\n${chalk.bold(`The last 1-minute bars of ${shown.join(", ")} (analyze → ${names.topic}.bars.1m):`)}\n`);
  const lastBars = shown.flatMap((symbol) => bars.filter((b) => b.symbol === symbol).slice(-3));
  printRows(
    lastBars.map((b) => ({ ...b, vwap: Math.round(b.vwap * 10_000) / 10_000 })),
    ["symbol", "start", "open", "high", "low", "close", "volume", "vwap", "trades"].map((key) => ({ key })),
    "table",
  );
  const newest = [...alerts].sort((a, b) => (a.ts < b.ts ? 1 : -1)).slice(0, 8);
  const counts = new Map<string, number>();
  for (const a of alerts) counts.set(a.rule, (counts.get(a.rule) ?? 0) + 1);
  const byRule = [...counts].map(([rule, count]) => `${count} ${rule}`).join(", ");
  process.stderr.write(`\n${chalk.bold(`Alerts, newest first (${alerts.length}: ${byRule || "none"}; ${names.topic}.alerts):`)}\n`);
  printRows(
    newest.map((a) => ({ ...a })),
    ["ts", "symbol", "rule", "severity", "message"].map((key) => ({ key })),
    "table",
  );

  const notified = await withSpinner(
    "notify: delivering the alerts to a local webhook",
    () => notifying,
    (r) =>
      `notify: ${n(r.delivered)} alerts in ${plural(r.messages.length, "message")} to a local webhook (${r.url}), ${n(r.suppressed)} repeats left out by the cool-down`,
  );
  const { wording } = await import("../notify/format");
  const context = { timeZone: config.market.timeZone, dashboardUrl: config.dashboard.url };
  for (const m of notified.messages.slice(0, 5))
    process.stderr.write(
      `  ${wording({ destination: "local-webhook", alerts: m.alerts, suppressed: m.suppressed, key: "" }, context).title}\n`,
    );
  if (notified.messages.length > 5) process.stderr.write(`  … and ${notified.messages.length - 5} more messages\n`);

  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const ok = inCassandra === produced && inLake === produced;
  const summary = [
    "",
    chalk.bold("Summary"),
    `  produced   ${n(produced)} ticks (${rejected} rejected row${rejected === 1 ? "" : "s"}: the HSI file's cut-off last line)`,
    `  Cassandra  ${n(inCassandra)} rows in ${names.keyspace}.ticks`,
    `  lake       ${n(inLake)} rows in s3://${config.s3.bucket}/${names.prefix}/ticks/`,
    `  analyze    ${n(bars.length)} 1-minute bars, ${n(alerts.length)} alerts (bars of ${config.analytics.intervals.join(", ")} on ${names.topic}.bars.<interval>)`,
    `  notify     ${n(notified.delivered)} alerts delivered in ${plural(notified.messages.length, "message")} (grouped within 1 s; configure Slack, Teams, Discord, e-mail: notify.destinations)`,
    `  time       ${seconds}s`,
    `  ${ok ? chalk.green("✔ both sinks hold every produced tick exactly once") : chalk.red("✖ counts differ")}`,
    "",
    "Try next:",
    `  stockpipe query "SELECT * FROM ${names.keyspace}.latest_ticks"`,
    `  STOCKPIPE_S3_PREFIX=${names.prefix} stockpipe query --engine local "SELECT symbol, count(*) FROM ticks GROUP BY symbol"`,
    `  STOCKPIPE_KAFKA_TOPIC=${names.topic} STOCKPIPE_CASSANDRA_KEYSPACE=${names.keyspace} STOCKPIPE_S3_PREFIX=${names.prefix} stockpipe verify`,
    `  stockpipe tail ${names.topic}.bars.1m -n 5`,
    `  stockpipe tail ${names.topic}.alerts`,
    `  stockpipe notify test <destination>                          # after adding one to notify.destinations`,
    `  stockpipe dashboard --topic ${names.topic} --from earliest     # candles, alerts and health in the browser`,
    `  stockpipe topic describe ${names.topic}`,
    "",
  ];
  process.stderr.write(summary.join("\n"));
  if (!ok)
    throw new RuntimeError(`the sinks do not match what was produced (produced ${produced}, Cassandra ${inCassandra}, lake ${inLake})`, {
      hint: "run the verify command above for details",
    });
}

/** The stores read back: the latest prices and the tick count from Cassandra, the daily OHLC and count from the lake. */
async function readStores(loaded: LoadedConfig) {
  const { createEngine } = await import("../query/registry");
  const [cql, lake] = await Promise.all([createEngine("cql", loaded), createEngine("local", loaded)]);
  try {
    const count = async (rows: Promise<{ rows: Record<string, unknown>[] }>) => Number((await rows).rows[0]?.n ?? 0);
    // Cassandra's two queries beside the lake's, which go one after the other (its engine runs one at a time).
    const [latest, inCassandra, fromLake] = await Promise.all([
      cql.run("SELECT symbol, ts, price, volume FROM latest_ticks"),
      count(cql.run("SELECT count(*) AS n FROM ticks")),
      (async () => ({ ohlc: await lake.run(DAILY_OHLC), inLake: await count(lake.run("SELECT count(*) AS n FROM ticks")) }))(),
    ]);
    return { latest, inCassandra, ...fromLake };
  } finally {
    await Promise.all([cql.close(), lake.close()]);
  }
}
