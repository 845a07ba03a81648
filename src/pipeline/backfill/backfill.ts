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
import type { DuckDBConnection, DuckDBVector } from "@duckdb/node-api";
import type { Message, Producer } from "kafkajs";
import { type AnalyticsSettings, emptyOutputs, type Outputs, PartitionAnalyzer } from "../../analytics/partition";
import type { LoadedConfig } from "../../config/loader";
import { sendAcknowledged } from "../../kafka/acknowledged";
import { createKafka } from "../../kafka/client";
import { kafkaError } from "../../kafka/errors";
import { keyPartitioner } from "../../kafka/partitioner";
import { ensureTopic, partitionCount } from "../../kafka/topics";
import { ALERT_SCHEMA, type Alert, encodeAlert } from "../../model/alert";
import { BAR_SCHEMA, type Bar, encodeBar } from "../../model/bar";
import { clockWindow } from "../../model/interval";
import type { Tick } from "../../model/tick";
import { openLake } from "../../query/local";
import { getOrCreate } from "../../util/maps";
import { sqlString } from "../../util/sql";
import { barsTopicName } from "../analyze/settings";

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

/** Records per produce call, and bytes: one partition's batch must stay under the broker's message.max.bytes (1 MB). */
const SEND_BATCH = 5000;
const SEND_BYTES = 512 * 1024;

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

/** The ids of the bars (of `intervals`) and volumeSpike alerts the lake holds in [from, to). */
async function idsInLake(c: DuckDBConnection, intervals: string[], from: number, to: number): Promise<Set<string>> {
  const t = (ms: number) => `make_timestamp(${Math.trunc(ms) * 1000}::BIGINT)`;
  const ids = new Set<string>();
  const reader = await c.runAndReadAll(`
    SELECT id FROM bars WHERE interval IN (${intervals.map(sqlString).join(", ")}) AND start >= ${t(from)} AND "end" <= ${t(to)}
    UNION ALL SELECT id FROM alerts WHERE rule = 'volumeSpike' AND ts >= ${t(from)} AND ts < ${t(to)}`);
  for (const id of reader.getColumns()[0] ?? []) ids.add(String(id));
  return ids;
}

interface TickChunk {
  ticks: Tick[];
  ts: number[];
}

/**
 * The lake's ticks in [from, to), in event-time order (equal times: by symbol, then the source's seq, then price
 * and volume, so the order is the same on every run), a DuckDB chunk at a time. Only what the analyzer reads is
 * selected, as numbers: the symbol as its index in an ENUM of the range's symbols (strings per row cost more than
 * the rest of the read), a daily bar's own range only when some tick in the range has one.
 */
async function* readTicks(
  c: DuckDBConnection,
  from: number,
  to: number,
  symbols: string[] | undefined,
  signal: AbortSignal,
): AsyncGenerator<TickChunk> {
  const t = (ms: number) => `make_timestamp(${Math.trunc(ms) * 1000}::BIGINT)`;
  const where = `ts >= ${t(from)} AND ts < ${t(to)}${symbols?.length ? ` AND symbol IN (${symbols.map(sqlString).join(", ")})` : ""}`;
  const names = ((await c.runAndReadAll(`SELECT DISTINCT symbol FROM ticks WHERE ${where} ORDER BY 1`)).getColumns()[0] ?? []).map(String);
  if (names.length === 0) return;
  await c.run(`CREATE TYPE backfill_symbol AS ENUM (${names.map(sqlString).join(", ")})`);
  const own =
    (
      await c.runAndReadAll(
        `SELECT coalesce(bool_or(open IS NOT NULL OR high IS NOT NULL OR low IS NOT NULL OR "close" IS NOT NULL), false) FROM ticks WHERE ${where}`,
      )
    ).getColumns()[0]?.[0] === true;
  const result = await c.stream(`
    SELECT enum_code(symbol::backfill_symbol)::INTEGER AS k, epoch_ms(ts)::DOUBLE AS ms, price,
           coalesce(volume::DOUBLE, volume_dec::DOUBLE) AS volume${own ? `, open, high, low, "close"` : ""}
    FROM ticks WHERE ${where}
    ORDER BY ts, k, seq NULLS FIRST, price, volume`);
  for (;;) {
    if (signal.aborted) return;
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) return;
    const n = chunk.rowCount;
    const [k, ms, price, volume] = [0, 1, 2, 3].map((i) => chunk.getColumnVector(i)) as DuckDBVector<number>[];
    const ranges = own ? [4, 5, 6, 7].map((i) => chunk.getColumnVector(i) as DuckDBVector<number>) : undefined;
    const ticks: Tick[] = new Array(n);
    const ts: number[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const tick: Tick = { symbol: names[k!.getItem(i)!]!, ts: "", price: price!.getItem(i)! };
      const v = volume!.getItem(i);
      if (v !== null) tick.volume = v;
      if (ranges) {
        const [o, h, l, cl] = ranges.map((r) => r.getItem(i));
        if (o !== null) tick.open = o;
        if (h !== null) tick.high = h;
        if (l !== null) tick.low = l;
        if (cl !== null) tick.close = cl;
      }
      ticks[i] = tick;
      ts[i] = ms!.getItem(i)!;
    }
    yield { ticks, ts };
  }
}

interface Output {
  send(bars: Bar[], alerts: Alert[]): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The bars and alerts topics, created if missing with the tick topic's partitions, and an idempotent producer:
 * records keyed by symbol and partitioned as analyze's are (by the symbol's hash, which is the tick's partition
 * when the counts match), sent in batches, each batch acknowledged by all in-sync replicas before the next.
 */
async function openOutput(loaded: LoadedConfig, topic: string, names: BackfillResult["topics"]): Promise<Output> {
  const kafka = createKafka(loaded.config);
  const admin = kafka.admin();
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const hashes = new Map<string, (key: string) => number>();
  try {
    await admin.connect();
    const partitions = (await admin.listTopics()).includes(topic) ? await partitionCount(admin, topic) : 1;
    for (const name of [...Object.values(names.bars), names.alerts]) {
      await ensureTopic(admin, { name, partitions });
      hashes.set(name, keyPartitioner(await partitionCount(admin, name)));
    }
    await producer.connect();
  } catch (err) {
    throw kafkaError(err, loaded, `open the output topics of ${topic}`);
  } finally {
    await admin.disconnect().catch(() => {});
  }
  let pending = new Map<string, Message[]>();
  let count = 0;
  let bytes = 0;
  // One produce call in flight while the next batch is computed; a failure stops the run at the next batch.
  let inFlight: Promise<void> = Promise.resolve();
  let failure: unknown;
  const flush = async (wait: boolean) => {
    if (count > 0) {
      const batch = [...pending].map(([t, messages]) => ({ topic: t, messages }));
      pending = new Map();
      count = 0;
      bytes = 0;
      await inFlight;
      inFlight = sendAcknowledged((b) => producer.sendBatch({ topicMessages: b, acks: -1 }), batch).then(
        () => undefined,
        (err) => {
          failure ??= err;
        },
      );
    }
    if (wait) await inFlight;
    if (failure) throw kafkaError(failure, loaded, "send the backfilled bars");
  };
  const add = (t: string, key: string, value: string, schema: string) => {
    getOrCreate(pending, t, () => []).push({ key, value, headers: { schema }, partition: hashes.get(t)!(key) });
    count++;
    bytes += value.length + key.length + 64;
  };
  return {
    async send(bars, alerts) {
      for (const b of bars) add(names.bars[b.interval]!, b.symbol, encodeBar(b), BAR_SCHEMA);
      for (const a of alerts) add(names.alerts, a.symbol, encodeAlert(a), ALERT_SCHEMA);
      if (count >= SEND_BATCH || bytes >= SEND_BYTES) await flush(false);
    },
    flush: () => flush(true),
    close: async () => {
      await inFlight;
      await producer.disconnect().catch(() => {});
    },
  };
}
