/**
 * Delivery of one message to one destination: attempts (an HTTP POST of its JSON body here, an SMTP submission in
 * mail.ts) retried while the destination says "later" (429, 408, 5xx, no answer; SMTP 4xx) — with backoff,
 * honouring `Retry-After` (seconds or an HTTP date, or the `retry_after` Discord puts in its body) — for at most
 * `retryForMs`; refused at once by any other 4xx (SMTP 5xx).
 *
 * Every request carries `Idempotency-Key` (the alert's id, or the group's key); a generic webhook with a secret is
 * signed as Stripe and GitHub sign theirs: `Stockpipe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<body>">`, so a receiver checks the body and its age with the shared secret.
 */
import { createHmac } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { jitter, retryAfterMs } from "../util/rest";
import type { Attempt, HttpDestination } from "./types";

const TIMEOUT_MS = 10_000;

/** The signature header's value for a body sent at `unixSeconds`. */
export function signature(secret: string, unixSeconds: number, body: string): string {
  return `t=${unixSeconds},v1=${createHmac("sha256", secret).update(`${unixSeconds}.${body}`).digest("hex")}`;
}

export async function postOnce(
  dest: Pick<HttpDestination, "url" | "secret">,
  body: string,
  key: string,
  signal?: AbortSignal,
): Promise<Attempt> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "stockpipe",
    "idempotency-key": key,
  };
  if (dest.secret) headers["stockpipe-signature"] = signature(dest.secret, Math.floor(Date.now() / 1000), body);
  let res: Response;
  try {
    const timeout = AbortSignal.timeout(TIMEOUT_MS);
    res = await fetch(dest.url, { method: "POST", headers, body, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
  } catch (err) {
    if (signal?.aborted) throw err;
    const e = err as Error & { cause?: { code?: string; message?: string } };
    return { kind: "retry", reason: `no answer (${e.cause?.code ?? e.cause?.message ?? e.message})` };
  }
  const text = await res.text().catch(() => "");
  if (res.ok) return { kind: "delivered", status: res.status };
  const said = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""}${text ? `: ${text.slice(0, 200)}` : ""}`;
  if (res.status === 429 || res.status === 408 || res.status >= 500) {
    let afterMs = retryAfterMs(res.headers.get("retry-after"));
    if (afterMs === undefined && res.status === 429) {
      // Discord says it in its body too, in seconds.
      const seconds = Number((safeJson(text) as { retry_after?: unknown } | undefined)?.retry_after);
      if (Number.isFinite(seconds) && seconds >= 0) afterMs = Math.round(seconds * 1000);
    }
    return { kind: "retry", reason: said, afterMs };
  }
  return { kind: "refused", reason: said };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export interface DeliverOptions {
  /** Keep retrying for this long at most. */
  retryForMs: number;
  /** First wait between attempts; it doubles, with jitter, up to 30 s. */
  backoffMs?: number;
  signal?: AbortSignal;
  /** `giveUpInMs`: how long retrying goes on (retryForMs) before the message counts as not delivered. */
  onRetry?(reason: string, attempt: number, delayMs: number, giveUpInMs: number): void;
}

export type Delivery = { ok: true; attempts: number } | { ok: false; attempts: number; reason: string };

/**
 * Attempts until delivered, refused, or retried for `retryForMs`; aborting the signal rejects (nothing was
 * decided). `name` is the destination's, for the reasons.
 */
export async function deliver(name: string, attempt1: (signal?: AbortSignal) => Promise<Attempt>, o: DeliverOptions): Promise<Delivery> {
  const started = Date.now();
  let backoff = o.backoffMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    const a = await attempt1(o.signal);
    if (a.kind === "delivered") return { ok: true, attempts: attempt };
    if (a.kind === "refused") return { ok: false, attempts: attempt, reason: `${name} refused it: ${a.reason}` };
    const delay = a.afterMs ?? jitter(backoff);
    backoff = Math.min(30_000, backoff * 2);
    const elapsed = Date.now() - started;
    if (elapsed + delay > o.retryForMs)
      return {
        ok: false,
        attempts: attempt,
        reason: `${name} still failing after ${attempt} attempt${attempt === 1 ? "" : "s"} in ${Math.round(elapsed / 1000)} s: ${a.reason}`,
      };
    o.onRetry?.(a.reason, attempt, delay, o.retryForMs - elapsed);
    await sleep(delay, undefined, { signal: o.signal });
  }
}

/** At most `perMinute` messages a minute: a token bucket that starts full. */
export class RateLimiter {
  private tokens: number;
  private last = Date.now();

  constructor(private readonly perMinute: number) {
    this.tokens = perMinute;
  }

  /** Waits for a token. */
  async take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = Date.now();
      this.tokens = Math.min(this.perMinute, this.tokens + ((now - this.last) * this.perMinute) / 60_000);
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await sleep(Math.ceil(((1 - this.tokens) * 60_000) / this.perMinute), undefined, { signal });
    }
  }
}
