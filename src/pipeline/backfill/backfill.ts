/**
 * `backfill`: the bars of every configured interval, and the bar alerts (volumeSpike), computed from the lake's
 * ticks over a time range — with `analyze`'s own analyzer (analytics/partition.ts), so a bar made here and the same
 * bar made by `analyze` from Kafka are the same record, id and bytes — and sent to the same bars and alerts topics,
 * from where `consume` stores them like any other. Every record carries its deterministic id, so running it twice,
 * or over a range `analyze` covered, changes nothing in a store.
 *
 * DuckDB reads the ticks (local cache of the lake) in event-time order; the analyzer runs with no lateness, since
 * nothing arrives late from a sorted file. A bar is sent when its whole window lies in [from, to): a window cut by
 * the range's ends would be a partial bar under a complete bar's id. Ticks from before `from` warm up volumeSpike's
 * lookback, so its first alerts in the range see the bars analyze would have seen.
 *
 * Cassandra takes a record again as an upsert, but the lake appends: a bar or alert the lake already holds (by id)
 * is left out, so a second run, or one over a range analyze covered, adds nothing once the bars topics are stored.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { type AnalyticsSettings, emptyOutputs, type Outputs, PartitionAnalyzer } from "../../analytics/partition";
import type { LoadedConfig } from "../../config/loader";
import type { Alert } from "../../model/alert";
import type { Bar } from "../../model/bar";
import { clockWindow } from "../../model/interval";
import { openLake } from "../../query/local";
import { barsTopicName } from "../analyze/settings";
import { idsInLake, readTicks } from "./lake";
import { type Output, openOutput } from "./output";

export interface BackfillOptions {
  /** The tick topic whose bars and alerts topics get the output (`<topic>.bars.<interval>`, `<topic>.alerts`). */
  topic: string;
  /** The range, epoch ms: [from, to). */
  from: number;
  to: number;
  /** Only these symbols (default: all). */
  symbols?: string[];
  settings: AnalyticsSettings;
  /** Compute and count, send nothing. */
  dryRun?: boolean;
  signal: AbortSignal;
}

export interface BackfillProgress {
  ticks: number;
  bars: number;
  alerts: number;
  /** Event time reached, epoch ms. */
  position: number;
}

export interface BackfillEvents {
  onStage?(message: string): void;
  onProgress?(p: BackfillProgress): void;
}

export interface BackfillResult {
  /** Ticks read from the lake, the warm-up included. */
  ticks: number;
  warmupTicks: number;
  barsByInterval: Record<string, number>;
  alerts: number;
  /** Ticks outside their calendar's sessions (in the sub-day bars, not in a 1d bar). */
  offSession: number;
  /** Bars left out because the range cuts their window. */
  partialBars: number;
  /** Bars and alerts left out because the lake already has them. */
  inLake: number;
  seconds: number;
  /** Of which: bringing the local cache of the lake up to date, and reading and computing (the sends included). */
  syncSeconds: number;
  computeSeconds: number;
  ticksPerSecond: number;
  topics: { bars: Record<string, string>; alerts: string };
  dryRun: boolean;
  stoppedBy: "end of range" | "interrupted";
}

export async function backfill(loaded: LoadedConfig, o: BackfillOptions, events: BackfillEvents = {}): Promise<BackfillResult> {
  const started = performance.now();
  const settings: AnalyticsSettings = { ...o.settings, latenessMs: 0, rules: { volumeSpike: o.settings.rules.volumeSpike } };
  const names = {
    bars: Object.fromEntries([...settings.emit].map((iv) => [iv, barsTopicName(loaded.config, o.topic, iv)])),
    alerts: loaded.config.analytics.alertsTopic.replaceAll("{topic}", o.topic),
  };
  const result = newResult(names, Boolean(o.dryRun));
  const out = o.dryRun ? undefined : await openOutput(loaded, o.topic, names);
  try {
    events.onStage?.("reading the lake");
    const lake = await openLake(loaded, events.onStage);
    result.syncSeconds = Math.round(performance.now() - started) / 1000;
    const computeStarted = performance.now();
    try {
      await analyzeRange(lake.connection, settings, o, result, out, events);
      await out?.flush();
    } finally {
      lake.connection.closeSync();
    }
    result.computeSeconds = Math.round(performance.now() - computeStarted) / 1000;
  } finally {
    await out?.close();
  }
  result.seconds = Math.round(performance.now() - started) / 1000;
  result.ticksPerSecond = Math.round(result.ticks / Math.max(result.seconds, 0.001));
  return result;
}

function newResult(topics: BackfillResult["topics"], dryRun: boolean): BackfillResult {
  return {
    ticks: 0,
    warmupTicks: 0,
    barsByInterval: {},
    alerts: 0,
    offSession: 0,
    partialBars: 0,
    inLake: 0,
    seconds: 0,
    syncSeconds: 0,
    computeSeconds: 0,
    ticksPerSecond: 0,
    topics,
    dryRun,
    stoppedBy: "end of range",
  };
}

/** The range's ticks (after the warm-up's) through the analyzer; what it emits in the range goes to `out`. */
async function analyzeRange(
  c: DuckDBConnection,
  settings: AnalyticsSettings,
  o: BackfillOptions,
  result: BackfillResult,
  out: Output | undefined,
  events: BackfillEvents,
): Promise<void> {
  const analyzer = new PartitionAnalyzer(settings);
  const keep = inRange(settings, o.from, o.to);
  const fromText = new Date(o.from).toISOString();
  const stored = await idsInLake(c, [...settings.emit], o.from, o.to);
  const fresh = (r: { id: string }) => {
    if (!stored.has(r.id)) return true;
    result.inLake++;
    return false;
  };
  const emit = async (outputs: Outputs) => {
    const bars = outputs.bars.filter((b) => {
      const ok = keep.bar(b);
      if (!ok && b.end > fromText) result.partialBars++;
      return ok && fresh(b);
    });
    const alerts = outputs.alerts.filter((a) => keep.alert(a) && fresh(a));
    for (const b of bars) result.barsByInterval[b.interval] = (result.barsByInterval[b.interval] ?? 0) + 1;
    result.alerts += alerts.length;
    result.offSession += outputs.offSession;
    await out?.send(bars, alerts);
  };
  for await (const chunk of readTicks(c, o.from - warmupMs(settings), o.to, o.symbols, o.signal)) {
    const outputs = emptyOutputs();
    analyzer.process(chunk.ticks, chunk.ts, outputs);
    result.ticks += chunk.ticks.length;
    for (const t of chunk.ts) if (t < o.from) result.warmupTicks++;
    await emit(outputs);
    events.onProgress?.({
      ticks: result.ticks,
      bars: Object.values(result.barsByInterval).reduce((a, b) => a + b, 0),
      alerts: result.alerts,
      position: chunk.ts[chunk.ts.length - 1]!,
    });
  }
  if (o.signal.aborted) {
    result.stoppedBy = "interrupted";
    return;
  }
  // The range is over: its windows close as a watermark at `to` would close them.
  const last = emptyOutputs();
  analyzer.closeUntil(o.to, last);
  await emit(last);
}

/** How far before the range ticks are read so volumeSpike has its lookback of bars at the range's start. */
function warmupMs(s: AnalyticsSettings): number {
  const r = s.rules.volumeSpike;
  if (!r) return 0;
  // A daily bar is a session: the lookback's sessions lie within twice as many calendar days, holidays and all.
  return r.interval.daily ? (r.lookback * 2 + 10) * 86_400_000 : r.lookback * r.interval.ms;
}

/** What is sent: bars whose window lies in [from, to), and the alerts of such bars. */
function inRange(s: AnalyticsSettings, from: number, to: number) {
  const within = (start: number, end: number) => start >= from && end <= to;
  // ISO-8601 UTC text with milliseconds sorts as its time does.
  const [fromText, toText] = [new Date(from).toISOString(), new Date(to).toISOString()];
  return {
    bar: (b: Bar) => b.start >= fromText && b.end <= toText,
    // A volumeSpike alert's ts is its bar's last tick: the bar's window is the one that holds it.
    alert: (a: Alert) => {
      const r = s.rules.volumeSpike!;
      const ts = Date.parse(a.ts);
      const w = r.interval.daily ? s.calendars.of(a.symbol).spanAt(ts, s.sessions) : clockWindow(ts, r.interval);
      return w !== undefined && within(w.start, w.end);
    },
  };
}
