/**
 * `produce` as a pipeline step: open the source, connect the producer (or take a dry run's destination), run the
 * loop (window, pacing, limits), write every rejected item to the reject file, flush, and close everything
 * whatever happened. No terminal here: what a user sees comes from `ProduceEvents`.
 */
import { createWriteStream, type WriteStream } from "node:fs";
import type { LoadedConfig } from "../../config/loader";
import { fieldError, RuntimeError } from "../../errors";
import type { TickProducer } from "../../kafka/tickProducer";
import { CalendarBook } from "../../model/calendar";
import type { FeedCounts } from "../../model/status";
import { decodeTick, type Tick } from "../../model/tick";
import type { FeedConnectionEvents } from "../../sources/feeds/types";
import { Pacer } from "../../sources/pacer";
import { createSource, type SourceSpec } from "../../sources/registry";
import type { Rejected, Source } from "../../sources/types";
import { FeedStatusWriter } from "./feedStatus";
import { newCounts, type ProduceCounts, produceFrom } from "./loop";

export interface ProduceOptions {
  source: SourceSpec;
  /** The source's name in its status (a `sources:` entry's name); default: the feed's. */
  name?: string;
  topic: string;
  /** Create the topic when it is missing (else it must exist). */
  createTopic: boolean;
  /** Replay the source's event-time gaps this many times faster; undefined: as fast as it goes. */
  speed?: number;
  /** At most this many ticks per second. */
  rate?: number;
  /** Event-time window, epoch ms, inclusive. */
  from?: number;
  to?: number;
  limit?: number;
  durationMs?: number;
  /** Every rejected item also goes here, one JSON line each. */
  rejectFile?: string;
  /** A dry run: ticks go here instead of Kafka. */
  sendTo?: (tick: Tick) => Promise<void>;
  /** Aborting it stops reading; what is buffered is still flushed. */
  signal: AbortSignal;
}

/** Counts as the run goes: the loop's, plus ticks Kafka acknowledged. */
export interface ProduceProgress extends ProduceCounts {
  sent: number;
  feed: FeedCounts;
}

export interface ProduceEvents {
  /** The source is open (and the reject file); Kafka is next. */
  onOpened?(source: Source): void;
  /** The source is open and ticks are about to flow; `abandon` drops what the producer buffers (a second Ctrl-C). */
  onStart?(run: { source: Source; progress: Readonly<ProduceProgress>; abandon(): number }): void;
  /** A row or message the source could not make a tick of; throwing stops the run (strict mode). */
  onRejected?(item: Rejected, nth: number): void | Promise<void>;
  /** Kafka acknowledged `count` ticks after `ms`. */
  onDelivered?(count: number, ms: number): void;
  /** Kafka did not take a batch; it is sent again. `pending`: ticks buffered meanwhile. */
  onRetry?(error: Error, attempt: number, delayMs: number, pending: number): void;
  /** A streaming feed's connection: connected, subscribed, reconnecting, gaps. */
  feed?: FeedConnectionEvents;
}

export type { FeedCounts } from "../../model/status";

export interface ProduceResult extends ProduceProgress {
  source: string;
}

export async function produce(loaded: LoadedConfig, o: ProduceOptions, events: ProduceEvents = {}): Promise<ProduceResult> {
  const progress: ProduceProgress = {
    ...newCounts(),
    sent: 0,
    feed: { connections: 0, reconnects: 0, gaps: 0, gapsLeft: 0, repaired: 0, restCalls: 0, missed: 0, duplicates: 0 },
  };
  const status = o.sendTo ? undefined : new FeedStatusWriter({ name: o.name, topic: o.topic, progress });
  const source = await createSource(o.source, {
    timeZone: loaded.config.market.timeZone,
    calendars: CalendarBook.forMarket(loaded.config.market),
    feeds: loaded.config.feeds,
    feedEvents: countedFeedEvents(progress.feed, [status?.events, events.feed]),
  });
  let rejects: WriteStream | undefined;
  let producer: TickProducer | undefined;
  try {
    await source.open();
    if (o.rejectFile) rejects = await openRejectFile(o.rejectFile);
    events.onOpened?.(source);
    if (!o.sendTo)
      producer = await connect(loaded, o, progress, {
        ...events,
        onDelivered: (n, ms) => {
          void status?.publish();
          events.onDelivered?.(n, ms);
        },
      });
    if (producer && source.endpoint) await status?.open(await kafkaClient(loaded), source.name, source.endpoint);
    if (producer && source.resume) source.resume(await latestTicks(loaded, o.topic, o.signal));
    events.onStart?.({ source, progress, abandon: () => producer?.batching.abandon() ?? 0 });
    await produceFrom(
      {
        source,
        send: producer ? producer.send : o.sendTo!,
        pacer: new Pacer(o.speed, o.rate),
        maxFutureMs: loaded.config.market.maxFutureMs,
        from: o.from,
        to: o.to,
        limit: o.limit,
        deadline: o.durationMs !== undefined ? performance.now() + o.durationMs : undefined,
        signal: o.signal,
        onRejected: async (item) => {
          await events.onRejected?.(item, progress.rejected);
          if (rejects) await writeReject(rejects, item);
        },
      },
      progress,
    );
    if (producer) await producer.batching.flush();
    else progress.sent = progress.accepted;
    return { ...progress, source: source.name };
  } finally {
    if (producer) await status?.close();
    await producer?.disconnect();
    await source.close();
    if (rejects) await new Promise<void>((r) => rejects!.end(() => r()));
  }
}

async function connect(loaded: LoadedConfig, o: ProduceOptions, progress: ProduceProgress, events: ProduceEvents): Promise<TickProducer> {
  const { connectTickProducer } = await import("../../kafka/tickProducer");
  let producer: TickProducer | undefined;
  producer = await connectTickProducer(loaded, {
    topic: o.topic,
    createTopic: o.createTopic,
    // Replaying a file's timing sends in bursts: the producer sizes itself for the rate only when one is set.
    rate: o.speed === undefined ? o.rate : undefined,
    onDelivered: (n, ms) => {
      progress.sent += n;
      events.onDelivered?.(n, ms);
    },
    onRetry: (err, attempt, delay) => events.onRetry?.(err, attempt, delay, producer?.batching.pending ?? 0),
  });
  return producer;
}

/** A feed's connection events, counted in `f`, then told to each listener. */
function countedFeedEvents(f: FeedCounts, listeners: (FeedConnectionEvents | undefined)[]): FeedConnectionEvents {
  const to = listeners.filter((l) => l !== undefined);
  return {
    onConnected(feed) {
      f.connections++;
      for (const l of to) l.onConnected?.(feed);
    },
    onSubscribed(feed) {
      for (const l of to) l.onSubscribed?.(feed);
    },
    onReconnecting(feed, attempt, delayMs, reason) {
      f.reconnects++;
      for (const l of to) l.onReconnecting?.(feed, attempt, delayMs, reason);
    },
    onDuplicate(feed) {
      f.duplicates++;
      for (const l of to) l.onDuplicate?.(feed);
    },
    onGap(feed, gap) {
      f.gaps++;
      if (!gap.complete) f.gapsLeft++;
      f.repaired += gap.repaired;
      f.restCalls += gap.calls;
      f.missed += gap.left;
      for (const l of to) l.onGap?.(feed, gap);
    },
  };
}

async function kafkaClient(loaded: LoadedConfig) {
  const { createKafka } = await import("../../kafka/client");
  return createKafka(loaded.config);
}

/** How many of each partition's last records a live feed reads to find where its last run left off. */
const RESUME_READ = 1000;

/**
 * The last records of each partition of the topic, as ticks: where a live feed's last run left off. A symbol
 * whose latest tick is further back than that (a quiet symbol among busy ones) starts afresh.
 */
async function latestTicks(loaded: LoadedConfig, topic: string, signal: AbortSignal): Promise<Tick[]> {
  const { readMessages } = await import("../../kafka/reader");
  const out: Tick[] = [];
  const read = readMessages(await kafkaClient(loaded), { topic, from: { last: RESUME_READ }, follow: false, signal });
  for await (const { messages } of read)
    for (const m of messages) {
      // A record that is not a valid tick says nothing about where a feed left off.
      const d = decodeTick(m.value);
      if (d.ok) out.push(d.tick);
    }
  return out;
}

async function openRejectFile(path: string): Promise<WriteStream> {
  const out = createWriteStream(path);
  await new Promise<void>((resolve, reject) =>
    out
      .once("open", () => resolve())
      .once("error", (e) => reject(fieldError(RuntimeError, (n) => [`cannot write ${n("rejectFile")} ${path}: ${e.message}`]))),
  );
  return out;
}

/** One JSON line per rejected item: where it was (line or URL), why, and its raw text. */
async function writeReject(out: WriteStream, item: Rejected): Promise<void> {
  const record =
    item.line !== undefined
      ? { line: item.line, reason: item.detail, raw: item.raw }
      : { url: item.url, reason: item.detail, raw: item.raw };
  if (!out.write(`${JSON.stringify(record)}\n`)) await new Promise<void>((r) => out.once("drain", () => r()));
}
