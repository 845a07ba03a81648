/**
 * Decode threads for chunks taken as lines (lines.ts): partition p is decoded by thread p % threads, so a
 * partition's chunks are decoded in order and different partitions on different cores. Running from source
 * (tests), where no worker script is built, the same decoding runs on the main thread.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { RuntimeError } from "../../errors";
import { log } from "../../log";
import { type Decode, type DecodedValues, decodePacked, type PackedValues } from "./lines";

/** The built worker script; absent when running from source. */
function workerScript(): string | undefined {
  const path = fileURLToPath(new URL("./lineWorker.js", import.meta.url));
  return existsSync(path) ? path : undefined;
}

interface Pending {
  resolve(d: DecodedValues): void;
  reject(e: Error): void;
}

export class LinePool {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, Pending>();
  private seq = 0;

  private constructor(script: string, threads: number) {
    this.workers = Array.from({ length: threads }, () => {
      const worker = new Worker(script);
      worker.on("message", (m: { id: number; decoded?: DecodedValues; error?: string }) => {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (m.decoded) p?.resolve(m.decoded);
        else p?.reject(new RuntimeError(`a decode thread failed: ${m.error}`));
      });
      worker.on("error", (err) => this.failAll(new RuntimeError(`a decode thread failed: ${err.message}`)));
      worker.on("exit", (code) => this.failAll(new RuntimeError(`a decode thread stopped (exit code ${code})`)));
      return worker;
    });
  }

  /** `threads` decode threads; in-process decoding when 0 or when running from source. */
  static decoder(threads: number): { decode: Decode; close(): Promise<void> } {
    const script = threads > 0 ? workerScript() : undefined;
    if (!script) return { decode: async (_p, packed) => decodePacked(packed), close: async () => {} };
    const pool = new LinePool(script, threads);
    log.debug(`decoding ticks in ${threads} thread(s) beside the main one`);
    return { decode: (p, packed) => pool.decode(p, packed), close: () => pool.close() };
  }

  private decode(partition: number, packed: PackedValues): Promise<DecodedValues> {
    const id = this.seq++;
    const worker = this.workers[partition % this.workers.length]!;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, packed }, [packed.bytes.buffer, packed.ends.buffer, packed.kinds.buffer] as ArrayBuffer[]);
    });
  }

  private failAll(error: Error): void {
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }

  private async close(): Promise<void> {
    this.failAll(new RuntimeError("the decode threads were stopped"));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
