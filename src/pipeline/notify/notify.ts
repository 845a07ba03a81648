/**
 * notify: `<topic>.alerts` through a consumer group to the destinations the routes name — Slack, Teams, Discord,
 * signed webhooks. One more handler on the group runner: each alert is routed, storm-controlled and delivered by
 * its destinations' outboxes (outbox.ts), and its offset is committed only once every delivery it owes is done —
 * delivered, or dead-lettered to `<topic>.alerts.dlq` with the reason and the destination (a `notify-destination`
 * header, which `dlq replay` keeps, so a replayed letter goes to that destination alone). At least once: after a
 * crash the alerts past the last commit are delivered again, with the same idempotency keys. Each destination's
 * counts go to `<topic>.notify-status` (status.ts), where the dashboard shows them.
 */
import type { KafkaMessage } from "kafkajs";
import type { LoadedConfig } from "../../config/loader";
import { asStockpipeError } from "../../errors";
import { type DeadLetter, type DeadLetterQueue, openDeadLetterQueue } from "../../kafka/dlq";
import { log } from "../../log";
import type { Delivery } from "../../notify/deliver";
import { closeMail } from "../../notify/mail";
import { destinationsOf, type PartOf, type Route } from "../../notify/routes";
import type { DestinationCounts } from "../../notify/status";
import type { Destination, MessageContext } from "../../notify/types";
import { CommitScheduler } from "../drain/commits";
import type { Chunk } from "../group/chunk";
import type { GroupContext, GroupHandler } from "../group/handler";
import type { GroupReadOptions } from "../group/options";
import { runGroup } from "../group/runner";
import { type AlertRef, Outbox } from "./outbox";
import { Pending } from "./pending";
import { NotifyStatus } from "./status";

/** The header a dead-lettered alert carries: the destination it could not reach. */
export const DESTINATION_HEADER = "notify-destination";
/** Deliveries owed at most before reading waits for some to be done. */
const MAX_OWED = 5_000;

export interface NotifyOptions extends GroupReadOptions {
  destinations: Destination[];
  routes: Route[];
  /** Places an alert in its market's day, for routes by session. */
  partOf?: PartOf;
  groupWindowMs: number;
  cooldownMs: number;
  retryForMs: number;
  /** First wait between delivery attempts (default 500 ms). */
  backoffMs?: number;
  context: MessageContext;
}

export interface NotifyCounts {
  /** Alerts read. */
  alerts: number;
  /** Alerts no route selected. */
  unrouted: number;
  /** Alert deliveries the cool-down left out. */
  suppressed: number;
  /** Messages delivered, and the alert deliveries in them; those in a message with others. */
  messages: number;
  delivered: number;
  grouped: number;
  /** Alert deliveries that could not be made (dead-lettered). */
  failed: number;
  /** Dead letters written: undeliverable alerts and records that are not alerts. */
  dlq: number;
  byDestination: Record<string, DestinationCounts>;
}

export interface NotifyEvents {
  onDelivered?(destination: string, alerts: number, ms: number): void;
  onRetry?(destination: string, reason: string, attempt: number, delayMs: number, giveUpInMs: number): void;
  onFailed?(destination: string, reason: string, alerts: number): void;
  onProgress?(counts: NotifyCounts): void;
}

export interface NotifyResult extends NotifyCounts {
  stoppedBy: "caught up" | "interrupted";
}

export async function notify(loaded: LoadedConfig, o: NotifyOptions, events: NotifyEvents = {}): Promise<NotifyResult> {
  const counts: NotifyCounts = {
    alerts: 0,
    unrouted: 0,
    suppressed: 0,
    messages: 0,
    delivered: 0,
    grouped: 0,
    failed: 0,
    dlq: 0,
    byDestination: {},
  };
  let notifier: Notifier | undefined;
  const outcome = await runGroup(
    loaded,
    {
      ...o,
      action: "notify",
      fetch: { maxBytes: 4 * 1024 * 1024, maxBytesPerPartition: 1024 * 1024, maxWaitTimeInMs: 100 },
      accepted: ["alert"],
    },
    async (group) => {
      const dlq = await openDeadLetterQueue(loaded, group.kafka, o.topic, group.partitions, `notify (group ${o.group})`);
      const status = new NotifyStatus(group.kafka, o.topic, o.group);
      await status.open().catch(async (err) => {
        await dlq.close();
        throw err;
      });
      notifier = new Notifier(o, group, dlq, status, counts, events);
      return notifier;
    },
  );
  notifier?.report();
  return { ...counts, stoppedBy: outcome.stoppedBy };
}

/** notify's handler on the group runner: routes each alert to its destinations' outboxes and commits what is done. */
class Notifier implements GroupHandler {
  private readonly boxes = new Map<string, Outbox>();
  private readonly pending = new Pending();
  private readonly commits: CommitScheduler;

  constructor(
    private readonly o: NotifyOptions,
    private readonly group: GroupContext,
    private readonly dlq: { dlq: DeadLetterQueue; close(): Promise<void> },
    private readonly status: NotifyStatus,
    private readonly counts: NotifyCounts,
    private readonly events: NotifyEvents,
  ) {
    this.commits = new CommitScheduler(
      o.topic,
      (p) => this.pending.committable(p),
      (offsets) => group.commitOffsets(offsets),
      (err) => log.debug(`commit failed, the alerts after the last commit will be delivered again: ${err.message}`),
    );
    const settings = {
      groupWindowMs: o.groupWindowMs,
      cooldownMs: o.cooldownMs,
      retryForMs: o.retryForMs,
      backoffMs: o.backoffMs,
      context: o.context,
      signal: group.signal,
    };
    for (const d of o.destinations)
      this.boxes.set(
        d.name,
        new Outbox(d, settings, {
          sent: (box, refs, delivery, ms) => this.sent(box, refs, delivery, ms),
          retrying: (name, reason, attempt, delayMs, giveUpInMs) => events.onRetry?.(name, reason, attempt, delayMs, giveUpInMs),
        }),
      );
    this.report();
  }

  async handle(chunk: Chunk): Promise<boolean> {
    this.commits.track(chunk.partition);
    if (chunk.dead.length) {
      await this.dlq.dlq.send(chunk.dead);
      this.counts.dlq += chunk.dead.length;
    }
    const byOffset = new Map<string, KafkaMessage>();
    if (chunk.alerts.length) for (const m of chunk.messages) byOffset.set(m.offset, m);
    for (const r of chunk.alerts)
      this.route({ alert: r.record, partition: chunk.partition, offset: r.offset, message: byOffset.get(r.offset)! });
    this.pending.handled(chunk.partition, chunk.nextOffset);
    if (this.pending.size > MAX_OWED) {
      // Too much owed: wait for deliveries to be done (or the run to stop) before reading on.
      const signal = this.group.signal;
      const stopped = new Promise<void>((r) => signal.addEventListener("abort", () => r(), { once: true }));
      while (this.pending.size > MAX_OWED && !signal.aborted) await Promise.race([this.pending.changed(), stopped]);
    }
    return this.commits.owns(chunk.partition);
  }

  /** Hands an alert to the outboxes of its destinations: the routes', or the one a replayed dead letter names. */
  private route(ref: AlertRef): void {
    this.counts.alerts++;
    const only = ref.message.headers?.[DESTINATION_HEADER]?.toString();
    const names = only !== undefined ? (this.boxes.has(only) ? [only] : []) : destinationsOf(ref.alert, this.o.routes, this.o.partOf);
    if (names.length === 0) this.counts.unrouted++;
    let owed = 0;
    for (const name of names) {
      if (this.boxes.get(name)!.add(ref)) owed++;
      else this.counts.suppressed++;
    }
    // Sending starts on a later turn of the event loop: what is owed is known before anything is done.
    this.pending.add(ref.partition, ref.offset, owed);
  }

  /** A message went out (or could not): count it, dead-letter what was not delivered, and let its offsets be committed. */
  private async sent(box: Outbox, refs: AlertRef[], delivery: Delivery, ms: number): Promise<void> {
    const name = box.destination.name;
    if (delivery.ok) {
      this.counts.messages++;
      this.counts.delivered += refs.length;
      if (refs.length > 1) this.counts.grouped += refs.length;
      this.events.onDelivered?.(name, refs.length, ms);
    } else {
      const letters: DeadLetter[] = refs.map((r) => ({
        message: withDestination(r.message, name),
        partition: r.partition,
        reason: "undeliverable",
        detail: delivery.reason,
      }));
      try {
        await this.dlq.dlq.send(letters);
      } catch (err) {
        // Neither delivered nor dead-lettered: nothing may be committed past these alerts.
        this.group.fail(asStockpipeError(err, `dead-letter the alerts ${name} did not take`));
        return;
      }
      this.counts.failed += refs.length;
      this.counts.dlq += refs.length;
      this.events.onFailed?.(name, delivery.reason, refs.length);
    }
    this.counts.byDestination[name] = { ...box.stats };
    for (const r of refs) this.pending.done(r.partition, r.offset);
    this.commits.soon();
    void this.status.publish(this.boxes.values());
  }

  /** Copies each outbox's counts into the run's. */
  report(): void {
    for (const [name, box] of this.boxes) this.counts.byDestination[name] = { ...box.stats };
  }

  handled(): void {
    this.commits.soon();
    this.report();
    this.events.onProgress?.(this.counts);
  }

  async skipped(chunk: Chunk): Promise<void> {
    this.pending.handled(chunk.partition, chunk.nextOffset);
    this.commits.soon();
  }

  assigned(partitions: number[]): void {
    this.pending.release(this.commits.keepOnly(partitions));
  }

  tick(): void {
    this.commits.soon();
    void this.status.publish(this.boxes.values());
  }

  private async drainAll(): Promise<void> {
    await Promise.all([...this.boxes.values()].map((b) => b.drained()));
  }

  async settle(handledAll: boolean): Promise<void> {
    // Caught up everywhere: what waits in a group window goes out now, so the run can end.
    if (handledAll) await this.drainAll();
    await this.commits.now().catch((err: Error) => log.debug(`commit failed: ${err.message}`));
  }

  async stop(): Promise<void> {
    // Deliveries in flight stop with the run's signal: their alerts stay uncommitted and are read again.
    await this.drainAll();
    await this.commits.now().catch(() => {});
  }

  async close(): Promise<void> {
    for (const b of this.boxes.values()) b.cancel();
    closeMail();
    await this.status.close(this.boxes.values());
    await this.dlq.close();
  }
}

/** The alert's message with the destination it could not reach, for its dead letter (and its replay). */
function withDestination(m: KafkaMessage, destination: string): KafkaMessage {
  return { ...m, headers: { ...m.headers, [DESTINATION_HEADER]: destination } } as KafkaMessage;
}
