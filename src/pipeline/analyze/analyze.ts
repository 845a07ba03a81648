/**
 * `analyze`: the tick topic through a consumer group into bars, alerts and late ticks, exactly once. Per chunk of
 * a partition: the group runner classifies it (bad messages become dead letters) → the partition's analyzer
 * (windows, rules) → one Kafka transaction with the outputs, the dead letters, the checkpoint of what changed and
 * the input offset.
 *
 * The parts: outputs.ts (the output topics and their partitioning), tasks.ts (each input partition's producer
 * and analyzer: fencing, checkpoints, the commit policy), records.ts (a chunk's output records, pure).
 */
import type { AnalyticsSettings } from "../../analytics/partition";
import { emptyOutputs, type Outputs } from "../../analytics/partition";
import type { LoadedConfig } from "../../config/loader";
import type { DeadLetter } from "../../kafka/dlq";
import { kafkaError } from "../../kafka/errors";
import { futureProblem } from "../../model/tick";
import { type Chunk, rejectTicks } from "../group/chunk";
import type { GroupContext, GroupHandler } from "../group/handler";
import type { GroupReadOptions } from "../group/options";
import { runGroup } from "../group/runner";
import { type OutputTopicNames, type OutputTopics, openOutputTopics, outputTopicNames } from "./outputs";
import { outputRecords } from "./records";
import { outputTopics } from "./settings";
import { Tasks, TransactionsFailing } from "./tasks";

/** Aborting `signal` aborts the transaction in hand and stops. */
export interface AnalyzeOptions extends GroupReadOptions {
  settings: AnalyticsSettings;
  /** How long a crashed process's open transaction holds back read_committed readers. */
  transactionTimeoutMs: number;
}

export interface AnalyzeProgress {
  consumed: number;
  ticks: number;
  bars: number;
  alerts: number;
  late: number;
  dlq: number;
  dlqByReason: Record<string, number>;
  lag: number;
  /** How long the chunk just handled took, its transaction's commit included. */
  chunkMs: number;
}

export interface AnalyzeEvents {
  onProgress?(p: AnalyzeProgress): void;
  /** A transaction or a partition's opening failed and will be retried. */
  onRetry?(error: Error, attempt: number, delayMs: number): void;
  /** A partition was taken on: its state read back from the checkpoint (or started afresh). */
  onPartition?(e: { partition: number; restoredSymbols: number; startedOver: boolean; ms: number }): void;
}

export interface AnalyzeResult {
  consumed: number;
  ticks: number;
  barsByInterval: Record<string, number>;
  alertsByRule: Record<string, number>;
  late: number;
  /** Ticks outside their calendar's sessions (analytics.sessions): in the sub-day bars only. */
  offSession: number;
  dlq: number;
  dlqByReason: Record<string, number>;
  transactions: number;
  /** Partitions whose state was read back from a checkpoint. */
  restored: number;
  /** Times another process took a partition over (its transactions fenced this one's). */
  fenced: number;
  stoppedBy: "caught up" | "interrupted";
  /** From the first fetched batch to the last committed transaction. */
  analyzeSeconds: number;
  topics: { bars: Record<string, string>; alerts: string; late: string; dlq: string; checkpoint: string };
}

export async function analyze(loaded: LoadedConfig, o: AnalyzeOptions, events: AnalyzeEvents = {}): Promise<AnalyzeResult> {
  const names = outputTopicNames(o.topic, o.group, outputTopics(loaded.config, o.topic, o.settings.intervals));
  const result = newResult(names);
  let tasks: Tasks | undefined;
  const outcome = await runGroup(
    loaded,
    {
      ...o,
      action: "analyze",
      fetch: { maxBytes: 32 * 1024 * 1024, maxBytesPerPartition: 8 * 1024 * 1024, maxWaitTimeInMs: 100 },
      accepted: ["tick"],
    },
    async (group) => {
      const topics = await openOutputTopics(group.admin, o.topic, group.partitions, names);
      tasks = new Tasks({
        ...o,
        kafka: group.kafka,
        admin: group.admin,
        checkpointTopic: names.checkpoint,
        signal: group.signal,
        onRetry: events.onRetry,
        onPartition: events.onPartition,
      });
      return analyzer(loaded, { topic: o.topic, group: o.group }, group, tasks, topics, result, events);
    },
  );
  result.stoppedBy = outcome.stoppedBy;
  result.restored = tasks?.restored ?? 0;
  result.fenced = tasks?.fenced ?? 0;
  return result;
}

/** analyze's handler on the group runner: each chunk through its partition's analyzer into one transaction. */
function analyzer(
  loaded: LoadedConfig,
  { topic: input, group: groupName }: { topic: string; group: string },
  group: GroupContext,
  tasks: Tasks,
  topics: OutputTopics,
  result: AnalyzeResult,
  events: AnalyzeEvents,
): GroupHandler {
  return {
    assigned: (partitions) => tasks.assigned(partitions),
    async ready(partition) {
      try {
        // Offsets already in the state (the group's offset can trail the checkpoint it was committed with only
        // when this process fetched it before fencing an earlier owner that then committed) are skipped.
        return (await tasks.task(partition)).next;
      } catch (err) {
        throw kafkaError(err, loaded, `open partition ${partition} of ${input}`);
      }
    },
    async handle(chunk) {
      if (!tasks.holds(chunk.partition)) return false;
      const task = await tasks.task(chunk.partition);
      const out = emptyOutputs();
      task.analyzer.process(chunk.ticks, eventTimes(chunk, loaded.config.market.maxFutureMs), out);
      const records = outputRecords(topics, {
        topic: chunk.topic,
        partition: chunk.partition,
        out,
        dead: chunk.dead,
        messages: chunk.messages,
        tickOffsets: chunk.tickOffsets,
        changed: task.analyzer.takeChanged(),
        next: chunk.nextOffset,
        generation: task.generation,
        by: `analyze (group ${groupName})`,
      });
      let committed: boolean;
      try {
        committed = await tasks.commit(task, records, chunk.nextOffset);
      } catch (err) {
        if (err instanceof TransactionsFailing) throw kafkaError(err.cause, loaded, err.message);
        throw err;
      }
      if (!committed) return false;
      task.next = chunk.nextOffset;
      result.transactions++;
      result.analyzeSeconds = Math.round(group.sinceFirstBatch() / 10) / 100;
      count(result, chunk, out);
      return true;
    },
    handled(_chunk, ms) {
      events.onProgress?.(progress(result, group.lag(), ms));
    },
    close: () => tasks.closeAll(),
  };
}

/**
 * The chunk's event times (epoch ms), once the ticks stamped too far ahead of the clock have gone to its dead
 * letters: one bad clock must not move the partition's watermark.
 */
function eventTimes(chunk: Chunk, maxFutureMs: number): number[] {
  let ts = chunk.ticks.map((t) => Date.parse(t.ts));
  const now = Date.now();
  if (ts.some((x) => x - now > maxFutureMs)) {
    const before = ts;
    rejectTicks(chunk, (i) => futureProblem(before[i]!, now, maxFutureMs));
    ts = chunk.ticks.map((t) => Date.parse(t.ts));
  }
  return ts;
}

function newResult(names: OutputTopicNames): AnalyzeResult {
  return {
    consumed: 0,
    ticks: 0,
    barsByInterval: {},
    alertsByRule: {},
    late: 0,
    offSession: 0,
    dlq: 0,
    dlqByReason: {},
    transactions: 0,
    restored: 0,
    fenced: 0,
    stoppedBy: "caught up",
    analyzeSeconds: 0,
    topics: { bars: Object.fromEntries(names.bars), alerts: names.alerts, late: names.late, dlq: names.dlq, checkpoint: names.checkpoint },
  };
}

function count(r: AnalyzeResult, chunk: Chunk, out: Outputs): void {
  const dead: DeadLetter[] = chunk.dead;
  r.consumed += chunk.messages.length;
  r.ticks += chunk.ticks.length - out.late.length;
  r.late += out.late.length;
  r.offSession += out.offSession;
  r.dlq += dead.length;
  for (const d of dead) r.dlqByReason[d.reason] = (r.dlqByReason[d.reason] ?? 0) + 1;
  for (const b of out.bars) r.barsByInterval[b.interval] = (r.barsByInterval[b.interval] ?? 0) + 1;
  for (const a of out.alerts) r.alertsByRule[a.rule] = (r.alertsByRule[a.rule] ?? 0) + 1;
}

function sum(record: Record<string, number>): number {
  return Object.values(record).reduce((a, b) => a + b, 0);
}

function progress(r: AnalyzeResult, lag: number, chunkMs: number): AnalyzeProgress {
  return {
    consumed: r.consumed,
    ticks: r.ticks,
    bars: sum(r.barsByInterval),
    alerts: sum(r.alertsByRule),
    late: r.late,
    dlq: r.dlq,
    dlqByReason: r.dlqByReason,
    lag,
    chunkMs,
  };
}
