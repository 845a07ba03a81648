/**
 * The input partitions in this process's hands, one task each: its transactional producer and its analyzer.
 *
 * Opening a partition fences its earlier owner (a crashed process, or a member that lost the partition in a
 * rebalance and does not know it yet), then reads back the partition's checkpoint and the group's committed
 * offset: they were committed together, so they agree — unless the group was moved (`--reset`), and then the
 * state starts over from the new position. A failed transaction lets the partition go; it is opened again from
 * its checkpoint for the next batch, so no output is ever sent twice.
 */
import type { Admin, Kafka } from "kafkajs";
import { type AnalyticsSettings, PartitionAnalyzer } from "../../analytics/partition";
import { isRetriable } from "../../errors";
import { withCoordinator } from "../../kafka/coordinator";
import { isRetriableKafkaError } from "../../kafka/retriable";
import { FencedError, type OutRecord, PartitionTransactor, TransactionFailed } from "../../kafka/transactions";
import { log } from "../../log";
import { retry } from "../../util/retry";
import { type Checkpoint, readCheckpoints } from "./checkpoint";

/** One input partition in this process's hands. */
export interface Task {
  partition: number;
  tx: PartitionTransactor;
  analyzer: PartitionAnalyzer;
  /** Input offset the state is at (undefined: nothing committed yet; take what the group fetches). */
  next?: string;
  generation: string;
}

export interface TaskSettings {
  kafka: Kafka;
  admin: Admin;
  topic: string;
  group: string;
  checkpointTopic: string;
  settings: AnalyticsSettings;
  transactionTimeoutMs: number;
  signal: AbortSignal;
  onRetry?(error: Error, attempt: number, delayMs: number): void;
  onPartition?(e: { partition: number; restoredSymbols: number; startedOver: boolean; ms: number }): void;
}

/** Failed transactions in a row on one partition before the run stops with the failure. */
export const MAX_TRANSACTION_FAILURES = 5;

export class Tasks {
  private readonly tasks = new Map<number, Promise<Task>>();
  /** Transactions failed in a row, per partition. */
  private readonly failures = new Map<number, number>();
  /** Partitions whose state was read back from a checkpoint. */
  restored = 0;
  /** Times another process took a partition over (its transactions fenced this one's). */
  fenced = 0;

  constructor(private readonly s: TaskSettings) {}

  holds(partition: number): boolean {
    return this.tasks.has(partition);
  }

  /** The assignment changed: partitions kept keep their state, lost ones are let go, new ones opened together. */
  assigned(partitions: readonly number[]): void {
    for (const p of [...this.tasks.keys()]) if (!partitions.includes(p)) this.release(p);
    const fresh = partitions.filter((p) => !this.tasks.has(p));
    if (fresh.length) this.open(fresh);
  }

  /** The partition's task, opened first if this process does not hold it. */
  task(partition: number): Promise<Task> {
    if (!this.tasks.has(partition)) this.open([partition]);
    return this.tasks.get(partition)!;
  }

  /** Lets go of a partition: its producer closes, its state is forgotten (the new owner reads the checkpoint). */
  release(partition: number): void {
    const task = this.tasks.get(partition);
    this.tasks.delete(partition);
    void task?.then((t) => t.tx.close()).catch(() => {});
  }

  async closeAll(): Promise<void> {
    for (const task of this.tasks.values()) await task.then((t) => t.tx.close()).catch(() => {});
  }

  /**
   * Commits a chunk's transaction. A failure before the commit was asked for is retried with the same records (the
   * transaction was aborted); any other failure lets the partition go, to be opened again from its checkpoint.
   * Resolves false when the chunk was not committed; throws when failures keep coming back on the partition.
   */
  async commit(task: Task, records: OutRecord[], next: string): Promise<boolean> {
    const { s } = this;
    const offset = { group: s.group, topic: s.topic, next };
    try {
      const done = await retry(() => task.tx.commit(records, offset, () => s.signal.aborted), {
        isRetriable: (err) => err instanceof TransactionFailed && err.beforeCommit && isRetriableKafkaError(err.cause),
        onRetry: s.onRetry,
        shouldStop: () => s.signal.aborted,
      });
      if (done) this.failures.delete(task.partition);
      return done;
    } catch (err) {
      if (this.tasks.has(task.partition)) this.release(task.partition);
      if (err instanceof FencedError) {
        this.fenced++;
        log.info(`partition ${task.partition} was taken over by another analyze process; letting it go`);
      } else if (!s.signal.aborted) {
        const failures = (this.failures.get(task.partition) ?? 0) + 1;
        this.failures.set(task.partition, failures);
        // A failure that keeps coming back is not passing: stop with it rather than loop.
        if (failures >= MAX_TRANSACTION_FAILURES)
          throw new TransactionsFailing(task.partition, err instanceof TransactionFailed ? err.cause : err);
        log.warn(
          `partition ${task.partition}: a transaction failed (${(err as Error).message}); reading its checkpoint back and going on from there`,
        );
      }
      return false;
    }
  }

  private open(partitions: number[]): void {
    const opening = retry(() => this.openAll(partitions), {
      isRetriable: (err) => isRetriableKafkaError(err) || isRetriable(err),
      onRetry: this.s.onRetry,
      shouldStop: () => this.s.signal.aborted,
    });
    for (const p of partitions) {
      const task = opening.then((tasks) => tasks.get(p)!);
      // A failure is seen by the batch that waits for the task; the task is opened again for the next batch.
      task.catch(() => {
        if (this.tasks.get(p) === task) this.tasks.delete(p);
      });
      this.tasks.set(p, task);
    }
  }

  /** Fences the partitions' earlier producers, then reads back their checkpoints and committed offsets. */
  private async openAll(partitions: number[]): Promise<Map<number, Task>> {
    const { s } = this;
    const started = performance.now();
    const txs = await Promise.all(
      partitions.map((p) => PartitionTransactor.open(s.kafka, `stockpipe-analyze|${s.group}|${s.topic}|${p}`, p, s.transactionTimeoutMs)),
    );
    try {
      const offsets = await withCoordinator(`read group ${s.group}'s offsets`, () =>
        s.admin.fetchOffsets({ groupId: s.group, topics: [s.topic] }),
      );
      const committed = new Map((offsets[0]?.partitions ?? []).map((p) => [p.partition, p.offset]));
      const checkpoints = await readCheckpoints(s.kafka, s.checkpointTopic, partitions, s.signal);
      const out = new Map<number, Task>();
      const ms = Math.round(performance.now() - started);
      partitions.forEach((p, i) => {
        const offset = committed.get(p);
        const next = offset !== undefined && Number(offset) >= 0 ? offset : undefined;
        const cp = checkpoints.get(p);
        const task = this.taskFrom(p, txs[i]!, next, cp);
        out.set(p, task);
        const startedOver = cp !== undefined && cp.partition.generation !== task.generation;
        s.onPartition?.({ partition: p, restoredSymbols: task.analyzer.symbolCount(), startedOver, ms });
      });
      return out;
    } catch (err) {
      for (const tx of txs) await tx.close();
      throw err;
    }
  }

  private taskFrom(partition: number, tx: PartitionTransactor, next: string | undefined, cp: Checkpoint | undefined): Task {
    const analyzer = new PartitionAnalyzer(this.s.settings);
    if (cp && next !== undefined && cp.partition.next === next) {
      analyzer.restore(cp.partition, cp.symbols);
      this.restored++;
      return { partition, tx, analyzer, next, generation: cp.partition.generation };
    }
    if (cp)
      log.info(
        `partition ${partition}: the group is at offset ${next ?? "(none)"} but the analysis state at ${cp.partition.next}; the state starts over from the group's position`,
      );
    return { partition, tx, analyzer, next, generation: `${Date.now()}-${partition}` };
  }
}

/** Transactions on one partition failed MAX_TRANSACTION_FAILURES times in a row. */
export class TransactionsFailing extends Error {
  constructor(
    readonly partition: number,
    override readonly cause: unknown,
  ) {
    super(`commit the analysis of partition ${partition}`, { cause });
  }
}
