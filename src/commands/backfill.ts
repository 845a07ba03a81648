import { type Command, Option } from "commander";
import { InterruptedError, UsageError } from "../errors";
import { chalk } from "../log";
import type { BackfillResult } from "../pipeline/backfill/backfill";
import { formatElapsed, formatRate } from "../ui/status";
import { peakRssMb } from "./common";
import { type CommandContext, commandContext, flag } from "./context";
import { longRunning } from "./longRunning";
import { examples } from "./options";

interface BackfillFlags {
  from: string;
  to?: string;
  symbols?: string;
  dryRun: boolean;
}

export function registerBackfill(program: Command): void {
  program
    .command("backfill")
    .description(
      "compute the bars of every interval, and the bar alerts, from the lake's ticks over a time range — the same records analyze makes — into <topic>.bars.<interval> and <topic>.alerts",
    )
    .requiredOption("--from <time>", "start of the range: an ISO time or a date (in market.timeZone)")
    .option("--to <time>", "end of the range, exclusive (default: the start of today in market.timeZone)")
    .option("--symbols <list>", "only these symbols, e.g. AAPL,MSFT (default: every symbol in the lake)")
    .option("--topic <topic>", "the tick topic whose bars and alerts topics get the output (default: kafka.topic)")
    .option("--intervals <list>", "bar intervals, e.g. 1m,5m,1h,1d (analytics.intervals)")
    .option("--dry-run", "compute and count, send nothing")
    .addOption(new Option("-f, --format <format>", "summary format").choices(["table", "json"]).default("table"))
    .addHelpText(
      "after",
      `${examples(
        "stockpipe backfill --from 2024-01-01 --to 2024-07-01",
        "stockpipe backfill --from 2024-03-01 --symbols AAPL,MSFT --intervals 15m,1d",
        "stockpipe backfill --from 2024-01-01 --dry-run -f json",
        "stockpipe consume --sink cassandra --topic ticks.bars.15m -g bars-15m   # store them like analyze's",
      )}
The lake's ticks (the local cache of s3.bucket/s3.prefix, read with DuckDB) go through analyze's own analyzer in
event-time order: the same windows, sessions and ids, so a bar made here is byte for byte the bar analyze makes
from the same ticks. Only bars whose whole window lies in [--from, --to) are sent (a cut window would be a part
of a bar), with the volumeSpike alerts of those bars; ticks before --from warm up the rule's lookback. Records
carry their ids, which Cassandra upserts; what the lake already holds is left out. So running it twice, or over a
range analyze covered, changes nothing in a store — once consume has stored the bars topics (a bar still on its
way to the lake when backfill runs would reach it twice).
`,
    )
    .action(async (opts: Record<string, string | boolean | undefined>, cmd: Command) => {
      const ctx = commandContext(cmd, [
        ...flag("kafka.topic", opts.topic, "--topic"),
        ...flag("analytics.intervals", opts.intervals, "--intervals"),
      ]);
      await backfillCommand(ctx, {
        from: opts.from as string,
        to: opts.to as string | undefined,
        symbols: opts.symbols as string | undefined,
        dryRun: Boolean(opts.dryRun),
      });
    });
}

async function backfillCommand(ctx: CommandContext, f: BackfillFlags): Promise<void> {
  const { backfill } = await import("../pipeline/backfill/backfill");
  const { analyticsSettings } = await import("../pipeline/analyze/settings");
  const { parseMarketDate, tradingDay } = await import("../model/time");
  const { dayWindow } = await import("../model/interval");
  const c = ctx.config;
  const tz = c.market.timeZone;
  const time = (value: string, name: string) => {
    const ms = parseMarketDate(value, tz);
    if (ms === undefined)
      throw new UsageError(`${name} ${JSON.stringify(value)} is not a time: write an ISO time or a date such as 2024-01-02`);
    return ms;
  };
  const from = time(f.from, "--from");
  const to = f.to === undefined ? dayWindow(tradingDay(Date.now(), tz), tz).start : time(f.to, "--to");
  if (to <= from) throw new UsageError(`--to ${new Date(to).toISOString()} is not after --from ${new Date(from).toISOString()}`);
  const symbols = f.symbols
    ?.split(",")
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);
  const settings = analyticsSettings(c);
  const range = `${new Date(from).toISOString()} – ${new Date(to).toISOString()}`;
  let progress = { ticks: 0, bars: 0, alerts: 0, position: from };
  const result: BackfillResult = await longRunning(
    {
      command: "backfill",
      connecting: "opening the lake",
      onSecondInterrupt: () => "interrupted twice: exiting now; what was sent stays (a new run sends the same records)",
    },
    (run) =>
      backfill(
        ctx.loaded,
        { topic: c.kafka.topic, from, to, symbols, settings, dryRun: f.dryRun, signal: run.signal },
        {
          onStage: (message) => run.spin(message),
          onProgress(p) {
            progress = p;
            run.live(`backfilling ${range}: bars ${[...settings.emit].join(", ")}${f.dryRun ? " (dry run)" : ""}`, () => {
              const n = (x: number) => x.toLocaleString("en-US");
              const done = Math.min(100, Math.max(0, ((progress.position - from) / (to - from)) * 100));
              return `${done.toFixed(1)}% · at ${new Date(progress.position).toISOString()} · ticks ${n(progress.ticks)} · bars ${n(progress.bars)} · alerts ${n(progress.alerts)}`;
            });
          },
        },
      ),
  );
  const summary = {
    topic: c.kafka.topic,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    ...result,
    peakRssMb: peakRssMb(),
  };
  if (ctx.format === "json") process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else printSummary(summary);
  if (result.stoppedBy === "interrupted")
    throw new InterruptedError(
      "interrupted: the bars sent so far stay; run it again for the whole range (nothing is sent twice in a store)",
    );
}

function printSummary(s: BackfillResult & { topic: string; from: string; to: string; peakRssMb: number }): void {
  const n = (x: number) => x.toLocaleString("en-US");
  const list = Object.entries(s.barsByInterval)
    .map(([k, v]) => `${n(v)} ${k}`)
    .join(", ");
  const sent = s.dryRun ? "computed (dry run: nothing sent)" : "→";
  process.stderr.write(
    `${[
      `${chalk.green("✔")} backfilled ${s.from} – ${s.to} from ${n(s.ticks)} lake ticks in ${formatElapsed(s.seconds * 1000)} (${formatRate(s.ticksPerSecond)} ticks/s, peak ${s.peakRssMb} MB)`,
      `  bars: ${list || "none"} ${sent} ${s.dryRun ? "" : Object.values(s.topics.bars).join(", ")}`,
      `  alerts: ${n(s.alerts)} ${sent} ${s.dryRun ? "" : s.topics.alerts}`,
      ...(s.warmupTicks ? [`  ${n(s.warmupTicks)} ticks before --from warmed up volumeSpike's lookback`] : []),
      ...(s.partialBars ? [`  ${n(s.partialBars)} bars left out: the range cuts their window`] : []),
      ...(s.inLake ? [`  ${n(s.inLake)} bars and alerts left out: the lake has them already`] : []),
      ...(s.offSession ? [`  outside the sessions: ${n(s.offSession)} ticks (in the sub-day bars, not in a 1d bar)`] : []),
    ].join("\n")}\n`,
  );
}
