/** Concurrency limits and retry pacing shared by the sinks, the consumer and the producer. */

/** Runs the jobs with at most `limit` in flight; rejects with the first failure after the rest settle. */
export async function runBounded(jobs: (() => Promise<unknown>)[], limit: number): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      try {
        await job();
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  if (failure) throw failure;
}

/** At most `limit` holders at once; `acquire` waits for a free slot, in arrival order. */
export class Semaphore {
  private held = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async acquire(): Promise<void> {
    while (this.held >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.held++;
  }

  release(): void {
    this.held--;
    this.waiting.shift()?.();
  }
}

/** Exponential backoff for the n-th retry (1-based): base, 2×base, 4×base … at most `maxMs`. */
export function backoffMs(attempt: number, baseMs = 200, maxMs = 10_000): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 6));
}
