/**
 * verify's first pass in worker threads (worker.ts): each side — the topic, Cassandra, the lake — read into its
 * digests by a thread of its own, so the sides use every core and each thread's young generation is bounded (the
 * main thread's is V8's default, which on Node 24 let a read of the lake hold ~100 MB more). Where no built worker
 * script exists (running from source) or the machine has one core, undefined: the caller reads on its own thread.
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { ResolvedConfig } from "../config/schema";
import { log } from "../log";
import { type Digest, Digests } from "./digest";
import type { Wanted } from "./readers";

/** One side to read: the topic, or a store for the kinds `wanted`. */
export interface SideJob {
  side: string;
  config: ResolvedConfig;
  since?: string;
  wanted?: Wanted;
}

export type WorkerMessage =
  | { t: "read"; records: number }
  | { t: "done"; byKey: Map<string, Digest>; records: number }
  | { t: "failed"; message: string };

/**
 * Young generation of each thread, in MB: enough for the batches it decodes. 16 against 32 and V8's default,
 * measured on 5M ticks read from the lake: the same speed and the least memory.
 */
const YOUNG_GENERATION_MB = 16;

function workerScript(): string | undefined {
  const path = fileURLToPath(new URL("./verifyWorker.js", import.meta.url));
  return existsSync(path) ? path : undefined;
}

/**
 * A side's digests from a worker thread, or undefined when there is none to run. A thread that fails is said at
 * debug level and answered with undefined too: the caller's own read then fails with the one-line error of its
 * kind, or succeeds.
 */
export function digestInThread(job: SideJob, onRead: (records: number) => void): Promise<Digests | undefined> {
  const script = workerScript();
  if (!script || availableParallelism() < 2) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    let worker: Worker;
    try {
      worker = new Worker(script, { workerData: job, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    } catch (err) {
      // A config the thread cannot be handed (a value that does not clone): read here.
      log.debug(`no thread for ${job.side} (${(err as Error).message}); reading it on the main thread`);
      return resolve(undefined);
    }
    let settled = false;
    const settle = (d: Digests | undefined) => {
      if (settled) return;
      settled = true;
      resolve(d);
      void worker.terminate();
    };
    const failed = (message: string) => {
      log.debug(`the thread reading ${job.side} failed (${message}); reading it on the main thread`);
      settle(undefined);
    };
    worker.on("message", (m: WorkerMessage) => {
      if (m.t === "read") onRead(m.records);
      else if (m.t === "done") settle(Digests.of(m.byKey, m.records));
      else failed(m.message);
    });
    worker.on("error", (err) => failed(err.message));
    worker.on("exit", () => settle(undefined));
  });
}
