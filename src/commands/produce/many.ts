/** `produce` with no --source and a `sources:` list in the config: every source at once, a line each, one summary. */
import { InterruptedError, RuntimeError } from "../../errors";
import { chalk } from "../../log";
import type { NamedSource, SourceOutcome } from "../../pipeline/produce/many";
import type { ProduceProgress } from "../../pipeline/produce/produce";
import { FEED_KINDS, SOURCE_KITS } from "../../sources/registry";
import { renderRows } from "../../ui/output";
import { formatElapsed } from "../../ui/status";
import type { CommandContext } from "../context";
import { renamed } from "../fields";
import { longRunning } from "../longRunning";
import { gapLine } from "./render";

export interface ManyFlow {
  rate?: number;
  limit?: number;
  durationMs?: number;
  from?: number;
  to?: number;
  createTopic: boolean;
  metricsPort?: string;
}

/** Names of the config's source fields (every kit's), for errors about them. */
const CONFIG_NAMES = (i: number): Record<string, string> =>
  Object.fromEntries([...new Set(SOURCE_KITS.flatMap((k) => Object.keys(k.fields)))].map((k) => [k, `sources[${i}].${k}`]));

export async function produceConfigured(ctx: CommandContext, f: ManyFlow): Promise<void> {
  const { configuredSources, produceMany } = await import("../../pipeline/produce/many");
  const { deliveredMetrics, feedMetrics, produceMetrics } = await import("../../metrics/progress");
  const sources = configuredSources(ctx.config.sources, ctx.config.kafka.topic);
  const started = performance.now();
  const state = new Map<string, { progress?: ProduceProgress; line: string }>(sources.map((s) => [s.name, { line: "starting" }]));
  const render = () =>
    `${[...state].map(([name, s]) => `${name}: ${(s.progress?.sent ?? 0).toLocaleString("en-US")} sent · ${s.progress?.rejected ?? 0} rejected · ${s.line}`).join(" | ")} · ${formatElapsed(performance.now() - started)}`;
  const outcomes: SourceOutcome[] = await longRunning(
    {
      command: "produce",
      metricsPort: f.metricsPort,
      connecting: `starting ${sources.length} sources: ${sources.map((s) => `${s.name} → ${s.topic}`).join(", ")}`,
      onSecondInterrupt: () => "interrupted twice: exiting now; buffered ticks were not acknowledged by Kafka",
    },
    (run) => {
      run.live(`producing from ${sources.map((s) => s.name).join(", ")}`, render);
      const { metrics } = run;
      // All sources together, as a single-source produce reports them.
      if (metrics)
        metrics.beforeScrape.push(() => {
          const all = [...state.values()].map((s) => s.progress).filter((p) => p !== undefined);
          const rejectedByReason: Record<string, number> = {};
          for (const p of all)
            for (const [r, n] of Object.entries(p.rejectedByReason)) rejectedByReason[r] = (rejectedByReason[r] ?? 0) + n;
          produceMetrics(metrics, { accepted: all.reduce((sum, p) => sum + p.accepted, 0), rejectedByReason });
        });
      return produceMany(ctx.loaded, sources, { ...f, signal: run.signal }, (s: NamedSource) => {
        const st = state.get(s.name)!;
        const say = (line: string, warning = false) => {
          st.line = line;
          if (warning) run.status?.print(`${chalk.yellow("feed")} ${s.name}: ${line}`);
        };
        return {
          onStart: ({ progress }) => {
            st.progress = progress;
            const { metrics } = run;
            if (metrics) metrics.beforeScrape.push(() => feedMetrics(metrics, s.name, progress));
          },
          onDelivered: (n, ms) => run.metrics && deliveredMetrics(run.metrics, n, ms),
          onRetry: (err, attempt, delay) => run.warn(`${s.name}: Kafka did not take a batch`, err, attempt, delay),
          feed: {
            onConnected: () => say("connected"),
            onSubscribed: () => say("subscribed"),
            onReconnecting: (_feed, attempt, delay, reason) =>
              say(`${reason}; reconnecting in ${(delay / 1000).toFixed(1)} s (attempt ${attempt})`, true),
            onGap(_feed, gap) {
              const { text, warning } = gapLine(gap);
              say(text, warning);
            },
          },
        };
      });
    },
  );
  const seconds = Math.round((performance.now() - started) / 10) / 100;
  const failed = outcomes.filter((o) => !o.ok);
  for (const o of failed) if (!o.ok) renamed(o.error, CONFIG_NAMES(sources.findIndex((s) => s.name === o.name)));
  const rows = outcomes.map((o) => {
    const feed = o.ok && (FEED_KINDS as readonly string[]).includes(o.spec.kind) ? o.result.feed : undefined;
    return {
      source: o.name,
      kind: o.spec.kind,
      topic: o.topic,
      sent: o.ok ? o.result.sent : 0,
      rejected: o.ok ? o.result.rejected : 0,
      reconnects: o.ok ? o.result.feed.reconnects : 0,
      gaps: feed ? `${feed.gaps}${feed.gaps ? `: ${feed.repaired} repaired, ${feed.missed} missing` : ""}` : "",
      status: o.ok ? `ok: ${o.result.stoppedBy}` : `failed: ${o.error.message}`,
      ...(feed ? { feed } : {}),
    };
  });
  if (ctx.format === "json")
    process.stdout.write(`${JSON.stringify({ seconds, sources: rows.map(({ gaps: _gaps, ...row }) => row) }, null, 2)}\n`);
  else
    process.stderr.write(
      renderRows(
        rows,
        ["source", "kind", "topic", "sent", "rejected", "reconnects", "gaps", "status"].map((key) => ({ key })),
        "table",
      ),
    );
  if (failed.length) {
    const first = failed[0] as Extract<SourceOutcome, { ok: false }>;
    throw new RuntimeError(
      `${failed.length} of ${outcomes.length} sources failed: ${failed.map((o) => o.name).join(", ")} — ${first.name}: ${first.error.message}`,
      {
        hint: first.error.hint,
      },
    );
  }
  if (outcomes.some((o) => o.ok && o.result.stoppedBy === "interrupted"))
    throw new InterruptedError("interrupted: what every source read was flushed");
}
