/**
 * Retrying work that fails for a reason that may pass (a service away, a timeout). Whether a failure may pass
 * is the failing component's call: it says so with `retriable` on the error it throws (see errors.ts).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { backoffMs } from "./bounded";

export interface RetryOptions {
  /** Whether this failure may pass; a failure it is not retried for is thrown at once. */
  isRetriable(error: Error): boolean;
  onRetry?(error: Error, attempt: number, delayMs: number): void;
  /** Stop retrying (the last failure is thrown): an interrupt, a producer abandoned. */
  shouldStop?(): boolean;
  baseMs?: number;
  maxMs?: number;
}

/** Runs `work` until it succeeds, waiting with exponential backoff between attempts. */
export async function retry<T>(work: () => Promise<T>, o: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      const error = err as Error;
      if (!o.isRetriable(error) || (attempt > 1 && o.shouldStop?.())) throw error;
      const delay = backoffMs(attempt, o.baseMs, o.maxMs);
      o.onRetry?.(error, attempt, delay);
      await sleep(delay);
    }
  }
}

/** Calls `fn` at most once per `intervalMs`; calls in between are dropped (for repeated warnings). */
export function throttle<A extends unknown[]>(intervalMs: number, fn: (...args: A) => void): (...args: A) => void {
  let last = Number.NEGATIVE_INFINITY;
  return (...args: A) => {
    const now = Date.now();
    if (now - last < intervalMs) return;
    last = now;
    fn(...args);
  };
}
