/**
 * GETs of a JSON REST API that may ask us to slow down. 429, 408, 5xx and no answer at all are tried again after
 * the wait the server asked for (`Retry-After`: seconds or an HTTP date) or else an exponential backoff with
 * jitter, until a deadline; any other 4xx is an answer retrying cannot change.
 */
import { setTimeout as sleep } from "node:timers/promises";

/** Milliseconds a `Retry-After` asks for: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+(\.\d+)?$/.test(header.trim())) return Math.round(Number(header) * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** `ms` give or take a quarter, so clients that failed together do not come back together. */
export function jitter(ms: number, random = Math.random): number {
  return Math.round(ms * (0.75 + random() * 0.5));
}

export interface GetJsonOptions {
  headers?: Record<string, string>;
  /** No retry whose wait would end after this time (ms since the epoch). */
  deadline: number;
  signal?: AbortSignal;
  /** First wait when the server did not say how long; it doubles up to `maxBackoffMs`. Default 500. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** How long one request may take. Default 10 s. */
  timeoutMs?: number;
  /** Each request made (retries included). */
  onCall?(): void;
  /** A request is tried again after `delayMs`. */
  onRetry?(reason: string, delayMs: number): void;
}

export type JsonAnswer = { ok: true; status: number; headers: Headers; body: unknown } | { ok: false; reason: string };

/** The JSON `url` answers, or why there is none (refused, not JSON, or still failing at the deadline). */
export async function getJson(url: string, o: GetJsonOptions): Promise<JsonAnswer> {
  let backoff = o.backoffMs ?? 500;
  for (;;) {
    o.onCall?.();
    let reason: string;
    let afterMs: number | undefined;
    try {
      const timeout = AbortSignal.timeout(o.timeoutMs ?? 10_000);
      const res = await fetch(url, {
        headers: { accept: "application/json", "user-agent": "stockpipe", ...o.headers },
        signal: o.signal ? AbortSignal.any([o.signal, timeout]) : timeout,
      });
      const text = await res.text();
      if (res.ok) {
        try {
          return { ok: true, status: res.status, headers: res.headers, body: JSON.parse(text) };
        } catch {
          return { ok: false, reason: `HTTP ${res.status} with a body that is not JSON` };
        }
      }
      reason = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""}${text ? `: ${text.slice(0, 200)}` : ""}`;
      if (!(res.status === 429 || res.status === 408 || res.status >= 500)) return { ok: false, reason };
      afterMs = retryAfterMs(res.headers.get("retry-after"));
    } catch (err) {
      if (o.signal?.aborted) return { ok: false, reason: "stopped" };
      const e = err as Error & { cause?: { code?: string; message?: string } };
      reason = `no answer (${e.cause?.code ?? e.cause?.message ?? e.message})`;
    }
    const delay = afterMs ?? jitter(backoff);
    backoff = Math.min(o.maxBackoffMs ?? 30_000, backoff * 2);
    if (Date.now() + delay > o.deadline) return { ok: false, reason };
    o.onRetry?.(reason, delay);
    try {
      await sleep(delay, undefined, { signal: o.signal });
    } catch {
      return { ok: false, reason: "stopped" };
    }
  }
}
