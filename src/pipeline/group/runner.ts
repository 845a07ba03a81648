/**
 * The one consumer-group runner, shared by every loop that reads a topic through a group (the drain, analyze):
 * connect, require the topic, position the group, join it, cut each fetched batch into chunks and classify them,
 * hand the chunks to a handler, supervise (exit at end, failures, interrupts) and clean up.
 *
 * The runner owns the group; the handler owns its commit point — the drain commits what its sink reports
 * durable, analyze commits inside its transactions. A handler resolves `handle` true once a chunk is done with
 * (the runner then resolves its offset and moves the partition on), false to leave the rest of the batch
 * (the partition was let go), and throws to stop the run.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Admin, Consumer, Kafka } from "kafkajs";
import type { LoadedConfig } from "../../config/loader";
import { isRetriable, type StockpipeError } from "../../errors";
import { createKafka } from "../../kafka/client";
import { kafkaError } from "../../kafka/errors";
import { partitionLag } from "../../kafka/lag";
import { partitionCount, requireTopic } from "../../kafka/topics";
import { log } from "../../log";
import { batchLoop, moved } from "./batches";
import { emptyChunk } from "./chunk";
import type { GroupContext, GroupHandler, GroupOutcome, GroupRunOptions } from "./handler";
import { LinePool } from "./linePool";
import type { Decode } from "./lines";
import type { Position } from "./options";
import { parseFrom, positionGroup } from "./position";
import { refuseWrongKind } from "./topicKind";

const SUPERVISE_MS = 500;

/** Runs the group until caught up (exitAtEnd), interrupted, or failed; `open` makes the handler once the topic is known. */
export async function runGroup(
  loaded: LoadedConfig,
  o: GroupRunOptions,
  open: (ctx: GroupContext) => Promise<GroupHandler>,
): Promise<GroupOutcome> {
  const from = parseFrom(o.from);
  const kafka = createKafka(loaded.config, { retries: 5 });
  const admin = kafka.admin();
  const run = new Run(o, kafka, admin);
  const lines = o.asLines ? LinePool.decoder(o.asLines.threads) : undefined;
  run.asLines = lines?.decode;
  let handler: GroupHandler | undefined;
  try {
    await admin.connect();
    await requireTopic(admin, o.topic);
    if (o.accepted) await refuseWrongKind(kafka, admin, o.topic, o.accepted, o.action);
    const partitions = await partitionCount(admin, o.topic);
    handler = await open(run.context(partitions));
    await positionGroup(admin, o.topic, o.group, from, o.reset);
    await run.join(handler, from === "earliest");
    await run.supervise(handler);
    if (run.fatal) throw run.fatal;
    return { stoppedBy: run.stoppedBy };
  } catch (err) {
    throw kafkaError(err, loaded, `${o.action} ${o.topic}`);
  } finally {
    await run.consumer?.disconnect().catch(() => {});
    await handler?.close?.().catch(() => {});
    await lines?.close();
    await admin.disconnect().catch(() => {});
  }
}

/** One run's state: positions, the first failure, the stop signal. */
class Run {
  readonly positions = new Map<number, Position>();
  readonly stop = new AbortController();
  readonly signal: AbortSignal;
  fatal?: StockpipeError;
  consumer?: Consumer;
  stoppedBy: GroupOutcome["stoppedBy"] = "caught up";
  firstBatchAt?: number;
  asLines?: Decode;

  constructor(
    readonly o: GroupRunOptions,
    readonly kafka: Kafka,
    readonly admin: Admin,
  ) {
    this.signal = AbortSignal.any([o.signal, this.stop.signal]);
  }

  context(partitions: number): GroupContext {
    return {
      kafka: this.kafka,
      admin: this.admin,
      partitions,
      signal: this.signal,
      fail: (e) => this.fail(e),
      commitOffsets: async (offsets) => {
        if (!this.consumer) throw new Error("the group has not been joined yet");
        await this.consumer.commitOffsets(offsets);
      },
      positions: this.positions,
      lag: () => {
        let lag = 0;
        for (const p of this.positions.values()) lag += p.lag;
        return lag;
      },
      sinceFirstBatch: () => (this.firstBatchAt === undefined ? 0 : performance.now() - this.firstBatchAt),
    };
  }

  fail(error: StockpipeError): void {
    this.fatal ??= error;
    this.stop.abort();
  }

  /** Joins the group and starts fetching; batches are handled in the background from here on. */
  async join(h: GroupHandler, fromBeginning: boolean): Promise<void> {
    const { o } = this;
    const consumer = this.kafka.consumer({
      groupId: o.group,
      maxBytesPerPartition: o.fetch.maxBytesPerPartition,
      maxBytes: o.fetch.maxBytes,
      maxWaitTimeInMs: o.fetch.maxWaitTimeInMs,
      sessionTimeout: 30_000,
      heartbeatInterval: 3000,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      const assigned = [...(e.payload.memberAssignment[o.topic] ?? [])].sort((a, b) => a - b);
      for (const p of [...this.positions.keys()]) if (!assigned.includes(p)) this.positions.delete(p);
      h.assigned?.(assigned, e.payload.memberId);
    });
    consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
      const b = e.payload;
      if (b.batchSize !== 0 || b.topic !== o.topic || !h.skipped || this.signal.aborted) return;
      const chunk = emptyChunk(b, (BigInt(b.lastOffset) + 1n).toString());
      h.skipped(chunk)
        .then(() => moved(this.positions, chunk))
        .catch((err) => log.debug(`could not move past the control records of partition ${b.partition}: ${err.message}`));
    });
    await consumer.connect();
    await consumer.subscribe({ topic: o.topic, fromBeginning });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: o.partitionsConcurrently,
      eachBatch: batchLoop(h, this),
    });
  }

  /** Every partition handled up to its end (a buffering store may still hold records). */
  private async handledEverything(): Promise<boolean> {
    return (await partitionLag(this.admin, this.o.topic, this.o.group)).every((p) => {
      const next = this.positions.get(p.partition)?.next;
      return p.lag === 0 || (next !== undefined && Number(next) >= p.latest);
    });
  }

  /** Committed offsets behind the end of the topic, all partitions together; undefined when Kafka did not answer. */
  private async committedLag(): Promise<number | undefined> {
    const lags = await partitionLag(this.admin, this.o.topic, this.o.group).catch(() => undefined);
    return lags?.reduce((sum, p) => sum + p.lag, 0);
  }

  /**
   * Runs until interrupted, stopped by a failure, or (exitAtEnd) caught up: everything handled, settled and
   * committed. Meanwhile the handler gets a tick each round (a background commit).
   */
  async supervise(h: GroupHandler): Promise<void> {
    const { o, signal } = this;
    while (!signal.aborted) {
      await sleep(SUPERVISE_MS, undefined, { signal }).catch(() => {});
      if (signal.aborted) break;
      h.tick?.();
      if (!o.exitAtEnd) continue;
      if (h.settle) {
        try {
          await h.settle(this.positions.size > 0 && (await this.handledEverything()));
        } catch (err) {
          if (!isRetriable(err)) {
            this.fail(err as StockpipeError);
            break;
          }
          log.debug(`could not settle what was handled, tried again shortly: ${(err as Error).message}`);
        }
      }
      if ((await this.committedLag()) === 0) return;
    }
    if (this.fatal) {
      await h.stop?.("failed");
      return;
    }
    this.stoppedBy = "interrupted";
    await h.stop?.("interrupted");
  }
}
