import type { Command } from "commander";
import type { LoadedConfig } from "../config/loader";
import { InterruptedError, UsageError } from "../errors";
import type { ReadFrom } from "../kafka/reader";
import { chalk, log } from "../log";
import { dayWindow, parseInterval } from "../model/interval";
import { tradingDay } from "../model/time";
import { onInterrupt } from "../ui/signals";
import { spinner } from "../ui/spinner";
import { listenError } from "./common";
import { type CommandContext, commandContext, flag } from "./context";
import { examples } from "./options";
import { parseReadFrom } from "./tail";

export interface DashboardFlags {
  from: string;
}

export function registerDashboard(program: Command): void {
  program
    .command("dashboard")
    .description("serve a live web page: ticker board, candlestick chart with volume and VWAP, alerts, pipeline health, and /metrics")
    .option("--port <port>", "port to listen on, 0 for any free one (dashboard.port)")
    .option("--host <host>", "address to listen on; anything but loopback requires the access token (dashboard.host)")
    .option("--topic <topic>", "tick topic; bars and alerts come from its derived topics (default: kafka.topic)")
    .option(
      "--interval <interval>",
      "bar interval of the chart: any that analyze computes, by config or by its --intervals (dashboard.interval)",
    )
    .option("--history <source>", "where the chart's earlier bars come from: kafka (the bars topic) or cassandra (dashboard.history)")
    .option(
      "--from <where>",
      "where the board starts reading ticks: today (the trading day's start), earliest, latest or an ISO time",
      "today",
    )
    .addHelpText(
      "after",
      `${examples(
        "stockpipe dashboard                      # http://127.0.0.1:8080/",
        "stockpipe dashboard --port 8090 --interval 5m",
        "stockpipe dashboard --host 0.0.0.0       # prints an address with a generated access token",
        "STOCKPIPE_DASHBOARD_TOKEN=$(openssl rand -hex 24) stockpipe dashboard --host 0.0.0.0",
        "curl -s http://127.0.0.1:8080/metrics | grep stockpipe_",
      )}
The page needs \`stockpipe analyze\` running for candles and alerts; the board needs only ticks. Every asset is
served by stockpipe itself (no internet needed). Prometheus metrics are at /metrics. Ctrl-C stops it.
`,
    )
    .action(async (opts: Record<string, string | undefined>, cmd: Command) => {
      if (opts.port !== undefined && !/^\d{1,5}$/.test(opts.port))
        throw new UsageError(`--port ${opts.port} must be a port number (0–65535)`);
      const ctx = commandContext(cmd, [
        ...flag("dashboard.port", opts.port, "--port"),
        ...flag("dashboard.host", opts.host, "--host"),
        ...flag("kafka.topic", opts.topic, "--topic"),
        ...flag("dashboard.interval", opts.interval, "--interval"),
        ...flag("dashboard.history", opts.history, "--history"),
      ]);
      await dashboardCommand(ctx, { from: opts.from ?? "today" });
    });
}

function ticksFrom(from: string, timeZone: string): ReadFrom {
  if (from === "today") return { time: dayWindow(tradingDay(Date.now(), timeZone), timeZone).start };
  return parseReadFrom(from);
}

/**
 * Starts the dashboard server on the loaded config's topic (dashboard.* for port, host, interval, history, token)
 * and prints where it is. `demo --dashboard` starts it this way too.
 */
export async function openDashboard(
  loaded: LoadedConfig,
  o: { from: ReadFrom; signal: AbortSignal; portFlag: string },
): Promise<{ closed: Promise<void>; address: string }> {
  const { startDashboard, isLoopback, newToken } = await import("../dashboard/server");
  const { barsTopicName, outputTopics } = await import("../pipeline/analyze/settings");
  const c = loaded.config;
  const d = c.dashboard;
  const interval = parseInterval(d.interval);
  const topics = outputTopics(c, c.kafka.topic, []);
  // The bars topic of the chart's interval, whether or not analytics.intervals lists it: `analyze --intervals`
  // may have made it. Kafka says whether it exists; a missing one is waited for (the page says so).
  const barsTopic = barsTopicName(c, c.kafka.topic, interval.name);
  await warnIfMissing(loaded, barsTopic, c.kafka.topic);
  const token = d.token ?? (isLoopback(d.host) ? undefined : newToken());
  const sp = spinner(`starting the dashboard on ${c.kafka.topic} (Kafka at ${c.kafka.brokers.join(",")})`);
  let dashboard: Awaited<ReturnType<typeof startDashboard>>;
  try {
    dashboard = await startDashboard({
      loaded,
      topic: c.kafka.topic,
      barsTopic,
      alertsTopic: topics.alerts,
      interval: interval.name,
      host: d.host,
      port: d.port,
      token,
      history: d.history,
      ticksFrom: o.from,
      signal: o.signal,
    });
  } catch (err) {
    sp.fail();
    if ((err as NodeJS.ErrnoException).syscall === "listen") throw listenError(err, d.host, d.port, o.portFlag);
    throw err;
  }
  const address = token !== undefined && d.token === undefined ? `${dashboard.url}?token=${token}` : dashboard.url;
  sp.succeed(`dashboard at ${chalk.bold(address)}`);
  const history = dashboard.history === "cassandra" ? "Cassandra's bars table" : `the topic ${barsTopic}`;
  process.stderr.write(
    `  ticks from ${c.kafka.topic}, ${d.interval} bars from ${barsTopic} (history: ${history}), alerts from ${topics.alerts}\n` +
      `  metrics at ${dashboard.url}metrics${token !== undefined ? " (with the token)" : ""} · Ctrl-C stops\n`,
  );
  if (token !== undefined && d.token !== undefined) process.stderr.write("  the access token is dashboard.token\n");
  return { closed: dashboard.closed, address };
}

/** Says when the chart's bars topic does not exist (yet), and which bars topics of the tick topic do. */
async function warnIfMissing(loaded: LoadedConfig, barsTopic: string, topic: string): Promise<void> {
  const { withAdmin } = await import("../kafka/topics");
  const { barsTopicName } = await import("../pipeline/analyze/settings");
  const all = await withAdmin(loaded, "list topics", (admin) => admin.listTopics()).catch(() => undefined);
  if (!all || all.includes(barsTopic)) return;
  // The bars topics of this tick topic: the template with any interval in it.
  const [before, after] = barsTopicName(loaded.config, topic, "\u0000").split("\u0000");
  const existing = all.filter((t) => t.startsWith(before!) && t.endsWith(after!) && t.length > before!.length + after!.length).sort();
  log.warn(
    `the chart's bars topic ${barsTopic} does not exist yet: the chart fills once \`stockpipe analyze\` makes it` +
      (existing.length ? ` (bars topics of ${topic} now: ${existing.join(", ")})` : ""),
  );
}

async function dashboardCommand(ctx: CommandContext, f: DashboardFlags): Promise<void> {
  const from = ticksFrom(f.from, ctx.config.market.timeZone);
  const interrupt = onInterrupt(() => log.error("interrupted twice: exiting now"));
  try {
    const { closed } = await openDashboard(ctx.loaded, { from, signal: interrupt.signal, portFlag: "--port" });
    await closed;
  } finally {
    interrupt.dispose();
  }
  throw new InterruptedError("dashboard stopped");
}
