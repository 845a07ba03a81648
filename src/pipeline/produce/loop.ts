/**
 * The produce loop: a source's ticks → the event-time window → pacing → send, until the input ends, a limit
 * or a deadline is reached, or the signal aborts. No terminal here: rejected rows go to `onRejected`, and the
 * caller decides where ticks are sent (Kafka, or stdout for a dry run).
 */
import { futureProblem, type Tick } from "../../model/tick";
import type { Pacer } from "../../sources/pacer";
import type { Rejected, Source } from "../../sources/types";

export interface ProduceOptions {
  source: Source;
  send(tick: Tick): Promise<void>;
  /** Undefined: as fast as the sink takes them. */
  pacer?: Pacer;
  /** Event-time window, epoch ms, inclusive. */
  from?: number;
  to?: number;
  limit?: number;
  /** Stop at this performance.now() time. */
  deadline?: number;
  signal: AbortSignal;
  /** A tick stamped further ahead of the wall clock than this is rejected ("ts in the future"). */
  maxFutureMs?: number;
  /** A row the source could not make a tick of; throwing stops the loop (strict mode). */
  onRejected?(item: Rejected): void | Promise<void>;
}

export interface ProduceCounts {
  /** Ticks handed to `send`. */
  accepted: number;
  rejected: number;
  rejectedByReason: Record<string, number>;
  skippedOutsideRange: number;
  stoppedBy: "end of input" | "limit" | "duration" | "interrupted";
}

export function newCounts(): ProduceCounts {
  return { accepted: 0, rejected: 0, rejectedByReason: {}, skippedOutsideRange: 0, stoppedBy: "end of input" };
}

/** Runs the loop; `counts` is filled as it goes, so a caller can show progress from it. */
export async function produceFrom(o: ProduceOptions, counts = newCounts()): Promise<ProduceCounts> {
  // The source stops reading at the deadline too, not only at the next tick it yields.
  const stop = new AbortController();
  const signal = AbortSignal.any([o.signal, stop.signal]);
  const reject = async (item: Rejected) => {
    counts.rejected++;
    counts.rejectedByReason[item.reason] = (counts.rejectedByReason[item.reason] ?? 0) + 1;
    await o.onRejected?.(item);
  };
  for await (const item of o.source.items(signal)) {
    if (item.kind === "rejected") {
      await reject(item);
      continue;
    }
    if ((o.from !== undefined && item.eventMs < o.from) || (o.to !== undefined && item.eventMs > o.to)) {
      counts.skippedOutsideRange++;
      continue;
    }
    await o.pacer?.wait(item.eventMs, signal);
    if (signal.aborted) break;
    // Against the clock when the tick leaves (after pacing: a tick held until its time is not early).
    const future = o.maxFutureMs === undefined ? undefined : futureProblem(item.eventMs, Date.now(), o.maxFutureMs);
    if (future) {
      await reject({ kind: "rejected", ...future, raw: JSON.stringify(item.tick) });
      continue;
    }
    await o.send(item.tick);
    counts.accepted++;
    if (o.limit !== undefined && counts.accepted >= o.limit) {
      counts.stoppedBy = "limit";
      break;
    }
    if (o.deadline !== undefined && performance.now() >= o.deadline) {
      counts.stoppedBy = "duration";
      stop.abort();
      break;
    }
  }
  if (o.signal.aborted) counts.stoppedBy = "interrupted";
  return counts;
}
