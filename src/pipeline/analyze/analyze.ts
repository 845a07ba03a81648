/**
 * `analyze`: the tick topic through a consumer group into bars, alerts and late ticks, exactly once. Per fetched
 * chunk of a partition: classify (bad messages to `<topic>.dlq`) → the partition's analyzer (windows, rules) →
 * one Kafka transaction with the outputs, the dead letters, the checkpoint of what changed and the input offset.
 *
 * Each input partition has its own transactional producer; opening it fences any earlier owner (a crashed
 * process, or a member that lost the partition in a rebalance and does not know it yet). After fencing, the
 * partition's checkpoint and the group's committed offset are read back: they were committed together, so they
 * agree — unless the group was moved (`--reset`), and then the state starts over from the new position.
 */

import { setTimeout as sleep } from "node:timers/promises";
import type { Admin, Consumer, EachBatchPayload, Kafka, Message } from "kafkajs";
import { type AnalyticsSettings, emptyOutputs, type Outputs, PartitionAnalyzer } from "../../analytics/partition";
import { outputTopics } from "../../analytics/settings";
import type { LoadedConfig } from "../../config/loader";
import { isRetriable, RuntimeError, type StockpipeError } from "../../errors";
import { createKafka } from "../../kafka/client";
import { withCoordinator } from "../../kafka/coordinator";
import { type DeadLetter, deadLetterMessage, dlqTopic } from "../../kafka/dlq";
import { kafkaError } from "../../kafka/errors";
import { partitionLag } from "../../kafka/lag";
import { keyPartitioner } from "../../kafka/partitioner";
import { isRetriableKafkaError } from "../../kafka/retriable";
import { ensureTopic, partitionCount, requireTopic } from "../../kafka/topics";
import { FencedError, type OutRecord, PartitionTransactor, TransactionFailed } from "../../kafka/transactions";
import { log } from "../../log";
import { ALERT_SCHEMA, encodeAlert } from "../../model/alert";
import { BAR_SCHEMA, encodeBar } from "../../model/bar";
import { retry } from "../../util/retry";
import { classifyChunk } from "../drain/batches";
import { parseFrom, positionGroup } from "../drain/position";
import type { GroupReadOptions } from "../group";
import { type Checkpoint, checkpointMessages, checkpointTopic, ensureCheckpointTopic, readCheckpoints } from "./checkpoint";

/** Aborting `signal` aborts the transaction in hand and stops. */
export interface AnalyzeOptions extends GroupReadOptions {
  settings: AnalyticsSettings;
  /** How long a crashed process's open transaction holds back read_committed readers. */
  transactionTimeoutMs: number;
  signal: AbortSignal;
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

/** One input partition in this process's hands. */
interface Task {
  partition: number;
  tx: PartitionTransactor;
  analyzer: PartitionAnalyzer;
  /** Input offset the state is at (undefined: nothing committed yet; take what the group fetches). */
  next?: string;
  generation: string;
}

interface Run {
  loaded: LoadedConfig;
  o: AnalyzeOptions;
  kafka: Kafka;
  admin: Admin;
  consumer?: Consumer;
  topics: ReturnType<typeof outputTopics> & { dlq: string; checkpoint: string };
  tasks: Map<number, Promise<Task>>;
  result: AnalyzeResult;
  lag: Map<number, number>;
  events: AnalyzeEvents;
  stop: AbortController;
  fatal?: StockpipeError;
  firstBatchAt?: number;
  /** Output topics with the input's partition count: records go to their input partition. */
  coPartitioned: Set<string>;
  /** Output topics with another partition count than the input: their records are partitioned by key. */
  partitionByKey: Map<string, (key: string) => number>;
  /** Transactions failed in a row, per partition. */
  failures: Map<number, number>;
}

/** Failed transactions in a row on one partition before the run stops with the failure. */
const MAX_TRANSACTION_FAILURES = 5;

export async function analyze(loaded: LoadedConfig, o: AnalyzeOptions, events: AnalyzeEvents = {}): Promise<AnalyzeResult> {
  const from = parseFrom(o.from);
  const kafka = createKafka(loaded.config, { retries: 5 });
  const admin = kafka.admin();
  const run: Run = {
    loaded,
    o,
    kafka,
    admin,
    topics: {
      ...outputTopics(loaded.config, o.topic, o.settings.intervals),
      dlq: dlqTopic(o.topic),
      checkpoint: checkpointTopic(o.topic, o.group),
    },
    tasks: new Map(),
    result: newResult(),
    lag: new Map(),
    events,
    stop: new AbortController(),
    coPartitioned: new Set(),
    partitionByKey: new Map(),
    failures: new Map(),
  };
  run.result.topics = {
    bars: Object.fromEntries(run.topics.bars),
    alerts: run.topics.alerts,
    late: run.topics.late,
    dlq: run.topics.dlq,
    checkpoint: run.topics.checkpoint,
  };
  const signal = AbortSignal.any([o.signal, run.stop.signal]);
  try {
    await admin.connect();
    await requireTopic(admin, o.topic);
    const partitions = await partitionCount(admin, o.topic);
    const outputs = [...run.topics.bars.values(), run.topics.alerts, run.topics.late, run.topics.dlq];
    for (const name of outputs) await ensureTopic(admin, { name, partitions });
    await ensureCheckpointTopic(admin, run.topics.checkpoint, partitions);
    // An output topic with as many partitions as the input gets each record in its input partition: a symbol
    // stays in one partition downstream too, and no record is hashed again.
    const counts = await partitionCounts(admin, [...outputs, run.topics.checkpoint]);
    for (const name of outputs) {
      if (counts.get(name) === partitions) run.coPartitioned.add(name);
      else run.partitionByKey.set(name, keyPartitioner(counts.get(name) ?? 1));
    }
    if ((counts.get(run.topics.checkpoint) ?? 0) < partitions)
      throw new RuntimeError(
        `the analysis state topic ${run.topics.checkpoint} has ${counts.get(run.topics.checkpoint)} partitions, fewer than ${o.topic}'s ${partitions}`,
        { hint: `the input topic grew: delete ${run.topics.checkpoint} (the state starts over) or analyze with a new group` },
      );
    await positionGroup(admin, o.topic, o.group, from, o.reset);
    run.consumer = await start(run, from === "earliest", signal);
    await supervise(run, signal);
    if (run.fatal) throw run.fatal;
    return run.result;
  } catch (err) {
    throw kafkaError(err, loaded, `analyze ${o.topic}`);
  } finally {
    await run.consumer?.disconnect().catch(() => {});
    for (const task of run.tasks.values()) await task.then((t) => t.tx.close()).catch(() => {});
    await admin.disconnect().catch(() => {});
  }
}

function newResult(): AnalyzeResult {
  return {
    consumed: 0,
    ticks: 0,
    barsByInterval: {},
    alertsByRule: {},
    late: 0,
    dlq: 0,
    dlqByReason: {},
    transactions: 0,
    restored: 0,
    fenced: 0,
    stoppedBy: "caught up",
    analyzeSeconds: 0,
    topics: { bars: {}, alerts: "", late: "", dlq: "", checkpoint: "" },
  };
}

async function partitionCounts(admin: Admin, topics: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const t of topics) out.set(t, await partitionCount(admin, t));
  return out;
}

async function start(run: Run, fromBeginning: boolean, signal: AbortSignal): Promise<Consumer> {
  const { o } = run;
  const consumer = run.kafka.consumer({
    groupId: o.group,
    readUncommitted: false,
    maxBytesPerPartition: 8 * 1024 * 1024,
    maxBytes: 32 * 1024 * 1024,
    maxWaitTimeInMs: 100,
    sessionTimeout: 30_000,
    heartbeatInterval: 3000,
  });
  // The assignment changed: partitions kept keep their state, partitions lost are let go, new ones are opened
  // (fenced, checkpoint read) together, before their first batch arrives.
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    const assigned = e.payload.memberAssignment[o.topic] ?? [];
    for (const p of [...run.tasks.keys()]) if (!assigned.includes(p)) release(run, p);
    const fresh = assigned.filter((p) => !run.tasks.has(p));
    if (fresh.length) openTasks(run, fresh, signal);
  });
  await consumer.connect();
  await consumer.subscribe({ topic: o.topic, fromBeginning });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: o.partitionsConcurrently,
    eachBatch: (payload) => handleBatch(run, payload, signal),
  });
  return consumer;
}

/** Lets go of a partition: its producer closes, its state is forgotten (the new owner reads the checkpoint). */
function release(run: Run, partition: number): void {
  const task = run.tasks.get(partition);
  run.tasks.delete(partition);
  run.lag.delete(partition);
  void task?.then((t) => t.tx.close()).catch(() => {});
}

/** Opens partitions: fences their earlier producers, then reads back their checkpoints and committed offsets. */
function openTasks(run: Run, partitions: number[], signal: AbortSignal): void {
  const opening = retry(() => openAll(run, partitions, signal), {
    isRetriable: (err) => isRetriableKafkaError(err) || isRetriable(err),
    onRetry: run.events.onRetry,
    shouldStop: () => signal.aborted,
  });
  for (const p of partitions) {
    const task = opening.then((tasks) => tasks.get(p)!);
    // A failure is seen by the batch that waits for the task; the task is opened again for the next batch.
    task.catch(() => {
      if (run.tasks.get(p) === task) run.tasks.delete(p);
    });
    run.tasks.set(p, task);
  }
}

async function openAll(run: Run, partitions: number[], signal: AbortSignal): Promise<Map<number, Task>> {
  const { o } = run;
  const started = performance.now();
  const txs = await Promise.all(
    partitions.map((p) =>
      PartitionTransactor.open(run.kafka, `stockpipe-analyze|${o.group}|${o.topic}|${p}`, p, run.o.transactionTimeoutMs),
    ),
  );
  try {
    const committed = new Map(
      (
        (await withCoordinator(`read group ${o.group}'s offsets`, () => run.admin.fetchOffsets({ groupId: o.group, topics: [o.topic] })))[0]
          ?.partitions ?? []
      ).map((p) => [p.partition, p.offset]),
    );
    const checkpoints = await readCheckpoints(run.kafka, run.topics.checkpoint, partitions, signal);
    const out = new Map<number, Task>();
    const ms = Math.round(performance.now() - started);
    partitions.forEach((p, i) => {
      const offset = committed.get(p);
      const next = offset !== undefined && Number(offset) >= 0 ? offset : undefined;
      const cp = checkpoints.get(p);
      const task = taskFrom(run, p, txs[i]!, next, cp);
      out.set(p, task);
      const startedOver = cp !== undefined && cp.partition.generation !== task.generation;
      run.events.onPartition?.({ partition: p, restoredSymbols: task.analyzer.symbolCount(), startedOver, ms });
    });
    return out;
  } catch (err) {
    for (const tx of txs) await tx.close();
    throw err;
  }
}

function taskFrom(run: Run, partition: number, tx: PartitionTransactor, next: string | undefined, cp: Checkpoint | undefined): Task {
  const analyzer = new PartitionAnalyzer(run.o.settings);
  if (cp && next !== undefined && cp.partition.next === next) {
    analyzer.restore(cp.partition, cp.symbols);
    run.result.restored++;
    return { partition, tx, analyzer, next, generation: cp.partition.generation };
  }
  if (cp)
    log.info(
      `partition ${partition}: the group is at offset ${next ?? "(none)"} but the analysis state at ${cp.partition.next}; the state starts over from the group's position`,
    );
  return { partition, tx, analyzer, next, generation: `${Date.now()}-${partition}` };
}

async function handleBatch(
  run: Run,
  { batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload,
  signal: AbortSignal,
): Promise<void> {
  const p = batch.partition;
  run.firstBatchAt ??= performance.now();
  if (!run.tasks.has(p)) openTasks(run, [p], signal);
  let task: Task;
  try {
    task = await run.tasks.get(p)!;
  } catch (err) {
    if (!signal.aborted) fail(run, kafkaError(err, run.loaded, `open partition ${p} of ${run.o.topic}`));
    return;
  }
  // Offsets already in the state (the group's offset can trail the checkpoint it was committed with only when
  // this process fetched it before fencing an earlier owner that then committed): skip them.
  const from = task.next === undefined ? -1 : Number(task.next);
  const messages = batch.messages.filter((m) => Number(m.offset) >= from);
  const skipped = batch.messages.length - messages.length;
  if (skipped > 0) resolveOffset(batch.messages[skipped - 1]!.offset);
  for (let i = 0; i < messages.length; i += run.o.batchSize) {
    if (!isRunning() || isStale() || signal.aborted || run.tasks.get(p) === undefined) return;
    const chunk = messages.slice(i, i + run.o.batchSize);
    const chunkStarted = performance.now();
    const end = i + run.o.batchSize >= messages.length ? batch.lastOffset() : undefined;
    const work = classifyChunk(batch, chunk, run.o.maxMessageBytes, false, ["tick"], end);
    const ticks = work.batch.ticks;
    const tsMs = ticks.map((t) => Date.parse(t.ts));
    const out = emptyOutputs();
    task.analyzer.process(ticks, tsMs, out);
    const next = work.batch.nextOffset;
    const records = outputRecords(run, task, out, work.dead, chunk, work.batch.offsets, next);
    const committed = await commitChunk(run, task, records, next, signal);
    if (!committed) return;
    resolveOffset(chunk[chunk.length - 1]!.offset);
    task.next = next;
    count(run.result, chunk.length, ticks.length, out, work.dead);
    run.lag.set(p, Math.max(0, Number(batch.highWatermark) - Number(next)));
    run.events.onProgress?.(progress(run, performance.now() - chunkStarted));
    await heartbeat();
  }
}

/**
 * Commits a chunk's transaction. A failure before the commit was asked for is retried with the same records (the
 * transaction was aborted); any other failure lets the partition go and opens it again from its checkpoint, so no
 * output is ever sent twice. Resolves false when the chunk was not committed.
 */
async function commitChunk(run: Run, task: Task, records: OutRecord[], next: string, signal: AbortSignal): Promise<boolean> {
  const offset = { group: run.o.group, topic: run.o.topic, next };
  try {
    const done = await retry(() => task.tx.commit(records, offset, () => signal.aborted), {
      isRetriable: (err) => err instanceof TransactionFailed && err.beforeCommit && isRetriableKafkaError(err.cause),
      onRetry: run.events.onRetry,
      shouldStop: () => signal.aborted,
    });
    if (done) {
      run.failures.delete(task.partition);
      run.result.transactions++;
      run.result.analyzeSeconds = Math.round((performance.now() - (run.firstBatchAt ?? 0)) / 10) / 100;
    }
    return done;
  } catch (err) {
    if (run.tasks.get(task.partition) !== undefined) release(run, task.partition);
    if (err instanceof FencedError) {
      run.result.fenced++;
      log.info(`partition ${task.partition} was taken over by another analyze process; letting it go`);
    } else if (!signal.aborted) {
      const failures = (run.failures.get(task.partition) ?? 0) + 1;
      run.failures.set(task.partition, failures);
      const cause = err instanceof TransactionFailed ? err.cause : err;
      // A failure that keeps coming back is not passing: stop with it rather than loop.
      if (failures >= MAX_TRANSACTION_FAILURES)
        fail(run, kafkaError(cause, run.loaded, `commit the analysis of partition ${task.partition}`));
      else
        log.warn(
          `partition ${task.partition}: a transaction failed (${(err as Error).message}); reading its checkpoint back and going on from there`,
        );
    }
    return false;
  }
}

function outputRecords(
  run: Run,
  task: Task,
  out: Outputs,
  dead: DeadLetter[],
  chunk: EachBatchPayload["batch"]["messages"],
  validOffsets: string[],
  next: string,
): OutRecord[] {
  const records: OutRecord[] = [];
  const now = new Date();
  // Every record carries its partition (the producer checks each one is acknowledged): the input's, or by key.
  const partitionOf = (topic: string, key: string) => (run.coPartitioned.has(topic) ? task.partition : run.partitionByKey.get(topic)!(key));
  for (const bar of out.bars) {
    const topic = run.topics.bars.get(bar.interval)!;
    records.push({
      topic,
      message: { key: bar.symbol, value: encodeBar(bar), headers: { schema: BAR_SCHEMA }, partition: partitionOf(topic, bar.symbol) },
    });
  }
  for (const alert of out.alerts)
    records.push({
      topic: run.topics.alerts,
      message: {
        key: alert.symbol,
        value: encodeAlert(alert),
        headers: { schema: ALERT_SCHEMA },
        partition: partitionOf(run.topics.alerts, alert.symbol),
      },
    });
  if (out.late.length) {
    const byOffset = new Map(chunk.map((m) => [m.offset, m]));
    for (const late of out.late) {
      const offset = validOffsets[late.index]!;
      const m = byOffset.get(offset)!;
      const message = lateMessage(m, run.o.topic, task.partition, late.watermark, late.missed, now);
      records.push({ topic: run.topics.late, message: { ...message, partition: partitionOf(run.topics.late, String(message.key ?? "")) } });
    }
  }
  for (const d of dead)
    records.push({
      topic: run.topics.dlq,
      message: { ...deadLetterMessage(d, run.o.topic, now), partition: partitionOf(run.topics.dlq, d.message.key?.toString() ?? "") },
    });
  const changed = task.analyzer.takeChanged();
  for (const message of checkpointMessages(task.partition, { ...changed.partition, next, generation: task.generation }, changed.symbols))
    records.push({ topic: run.topics.checkpoint, message });
  return records;
}

/** A late tick: its own key, bytes and headers, plus where it was, the watermark it was behind and the windows it missed. */
function lateMessage(
  m: EachBatchPayload["batch"]["messages"][number],
  topic: string,
  partition: number,
  watermark: string,
  missed: { interval: string; start: string; end: string }[],
  now: Date,
): Message {
  return {
    key: m.key,
    value: m.value,
    headers: {
      ...m.headers,
      "late-topic": topic,
      "late-partition": String(partition),
      "late-offset": m.offset,
      "late-watermark": watermark,
      "late-windows": missed.map((w) => `${w.interval} ${w.start}/${w.end}`).join(", "),
      "late-time": now.toISOString(),
    },
  };
}

function count(r: AnalyzeResult, consumed: number, ticks: number, out: Outputs, dead: DeadLetter[]): void {
  r.consumed += consumed;
  r.ticks += ticks - out.late.length;
  r.late += out.late.length;
  r.dlq += dead.length;
  for (const d of dead) r.dlqByReason[d.reason] = (r.dlqByReason[d.reason] ?? 0) + 1;
  for (const b of out.bars) r.barsByInterval[b.interval] = (r.barsByInterval[b.interval] ?? 0) + 1;
  for (const a of out.alerts) r.alertsByRule[a.rule] = (r.alertsByRule[a.rule] ?? 0) + 1;
}

function sum(record: Record<string, number>): number {
  return Object.values(record).reduce((a, b) => a + b, 0);
}

function progress(run: Run, chunkMs: number): AnalyzeProgress {
  const r = run.result;
  let lag = 0;
  for (const l of run.lag.values()) lag += l;
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

function fail(run: Run, error: StockpipeError): void {
  run.fatal ??= error;
  run.stop.abort();
}

/** Runs until interrupted, stopped by a failure, or (exitAtEnd) every partition's committed offset is at its end. */
async function supervise(run: Run, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    await sleep(500, undefined, { signal }).catch(() => {});
    if (signal.aborted || !run.o.exitAtEnd) continue;
    const lags = await partitionLag(run.admin, run.o.topic, run.o.group).catch(() => undefined);
    if (lags?.every((p) => p.lag === 0)) return;
  }
  if (!run.fatal) run.result.stoppedBy = "interrupted";
}
