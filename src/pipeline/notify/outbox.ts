/**
 * One destination's outbox: storm control, then delivery in order.
 * - Cool-down: an alert of the same rule and symbol as one sent less than `cooldownMs` before it (event time) is
 *   left out and counted; the next message says how many were.
 * - Grouping: alerts arriving within `groupWindowMs` of the first one waiting go out as one message (0: each on
 *   its own).
 * - Messages go out one at a time, in order, under the destination's rate limit; each is retried as deliver.ts
 *   says, and what cannot be delivered goes to the dead-letter queue with the reason.
 */
import type { KafkaMessage } from "kafkajs";
import type { Alert } from "../../model/alert";
import { uuidFrom } from "../../model/ids";
import { type Delivery, deliver, RateLimiter } from "../../notify/deliver";
import type { DestinationCounts } from "../../notify/status";
import type { AlertGroup, Destination, MessageContext } from "../../notify/types";

/** Where an alert came from: what is committed once it is done, and what is dead-lettered if it cannot be. */
export interface AlertRef {
  alert: Alert;
  partition: number;
  offset: string;
  message: KafkaMessage;
}

export interface OutboxSettings {
  groupWindowMs: number;
  cooldownMs: number;
  retryForMs: number;
  backoffMs?: number;
  context: MessageContext;
  signal: AbortSignal;
}

export interface OutboxEvents {
  /** A message was delivered (or refused for good: `delivery.ok` false) with these alerts. */
  sent(box: Outbox, refs: AlertRef[], delivery: Delivery, ms: number): Promise<void>;
  retrying?(destination: string, reason: string, attempt: number, delayMs: number, giveUpInMs: number): void;
}

export class Outbox {
  private waiting: AlertRef[] = [];
  private timer?: NodeJS.Timeout;
  private readonly lastSent = new Map<string, number>();
  private suppressedSince = 0;
  private queue: Promise<void> = Promise.resolve();
  private readonly limiter?: RateLimiter;
  /** Messages and alerts delivered, alerts left out, messages that could not be delivered. */
  readonly stats: DestinationCounts = { messages: 0, alerts: 0, suppressed: 0, failed: 0, retries: 0 };

  constructor(
    readonly destination: Destination,
    private readonly s: OutboxSettings,
    private readonly events: OutboxEvents,
  ) {
    if (destination.ratePerMinute) this.limiter = new RateLimiter(destination.ratePerMinute);
  }

  /** Takes an alert; false when the cool-down leaves it out (nothing is owed for it). */
  add(ref: AlertRef): boolean {
    const key = `${ref.alert.rule}|${ref.alert.symbol}`;
    const ms = Date.parse(ref.alert.ts);
    const last = this.lastSent.get(key);
    if (last !== undefined && Math.abs(ms - last) < this.s.cooldownMs) {
      this.stats.suppressed++;
      this.suppressedSince++;
      return false;
    }
    if (last === undefined || ms > last) this.lastSent.set(key, ms);
    this.waiting.push(ref);
    if (this.s.groupWindowMs <= 0) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.s.groupWindowMs);
    return true;
  }

  /** Sends what is waiting now, as one message. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.waiting.length === 0) return;
    const refs = this.waiting;
    this.waiting = [];
    const suppressed = this.suppressedSince;
    this.suppressedSince = 0;
    this.queue = this.queue.then(() => this.send(refs, suppressed));
  }

  /** Resolves when everything taken so far has been sent (flushing what waits). */
  async drained(): Promise<void> {
    this.flush();
    let q: Promise<void>;
    do {
      q = this.queue;
      await q;
    } while (q !== this.queue);
  }

  private async send(refs: AlertRef[], suppressed: number): Promise<void> {
    if (this.s.signal.aborted) return;
    const d = this.destination;
    const alerts = refs.map((r) => r.alert);
    const key = alerts.length === 1 ? alerts[0]!.id : uuidFrom("stockpipe.notify.group", `${d.name}|${alerts.map((a) => a.id).join(",")}`);
    const group: AlertGroup = { destination: d.name, alerts, suppressed, key };
    const attempt = d.attempt(group, this.s.context);
    const started = Date.now();
    let delivery: Delivery;
    try {
      await this.limiter?.take(this.s.signal);
      delivery = await deliver(d.name, attempt, {
        retryForMs: this.s.retryForMs,
        backoffMs: this.s.backoffMs,
        signal: this.s.signal,
        onRetry: (reason, attempt, delayMs, giveUpInMs) => {
          this.stats.retries++;
          this.stats.lastError = { at: new Date().toISOString(), reason };
          this.events.retrying?.(d.name, reason, attempt, delayMs, giveUpInMs);
        },
      });
    } catch {
      // Interrupted: nothing is decided, nothing is committed; the alerts are read again next time.
      return;
    }
    if (delivery.ok) {
      this.stats.messages++;
      this.stats.alerts += alerts.length;
      this.stats.lastDelivery = new Date().toISOString();
    } else {
      this.stats.failed++;
      this.stats.lastError = { at: new Date().toISOString(), reason: delivery.reason };
    }
    await this.events.sent(this, refs, delivery, Date.now() - started);
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
