/**
 * The dashboard's inputs: the tick topic, the bars topic of its interval, the alerts topic, notify's status topic
 * and the live feeds' status topic (produce's), each read on and on (read_committed, a throwaway group that commits nothing) into the state. A topic
 * other than the ticks' that does not exist yet (no `analyze`, `notify` or live feed has run) is waited for, and
 * the input says so.
 */
import type { Kafka } from "kafkajs";
import { errorMessage } from "../errors";
import { TopicNotFoundError } from "../kafka/errors";
import { type ReadFrom, readMessages } from "../kafka/reader";
import { type Alert, decodeAlert } from "../model/alert";
import { type Bar, barProblem } from "../model/bar";
import { parseJsonObject } from "../model/json";
import { decodeFeedStatus, type FeedStatus as LiveFeedStatus } from "../model/status";
import { type DestinationStatus, decodeStatus } from "../notify/status";

export type FeedState = "starting" | "live" | "waiting" | "failed";

export interface FeedStatus {
  name: "ticks" | "bars" | "alerts" | "notify" | "sources";
  topic: string;
  state: FeedState;
  /** Messages read, and messages that were not a valid record of the feed's kind. */
  read: number;
  skipped: number;
  message?: string;
}

export interface FeedSinks {
  tick(symbol: string, tsMs: number, price: number, volume: number): void;
  bar(bar: Bar): void;
  alert(alert: Alert): void;
  /** What notify said last of a destination. */
  destination(status: DestinationStatus): void;
  /** What produce said last of a live feed. */
  source(status: LiveFeedStatus): void;
  /** A feed's state changed (or a batch was read). */
  status(s: FeedStatus): void;
}

export interface FeedOptions {
  kafka: Kafka;
  topics: { ticks: string; bars: string; alerts: string; notify: string; sources: string };
  ticksFrom: ReadFrom;
  barsFrom: ReadFrom;
  alertsFrom: ReadFrom;
  signal: AbortSignal;
  /** How long to wait before looking again for a topic that does not exist. */
  retryMs?: number;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(t);
      resolve();
    });
  });

/** A tick's fields the board needs, or undefined when the message is not a usable tick. */
export function tickFields(value: Buffer | null): { symbol: string; ts: number; price: number; volume: number } | undefined {
  if (!value) return undefined;
  let t: { symbol?: unknown; ts?: unknown; price?: unknown; volume?: unknown };
  try {
    t = JSON.parse(value.toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof t !== "object" || t === null || typeof t.symbol !== "string" || typeof t.ts !== "string") return undefined;
  if (typeof t.price !== "number" || !(t.price > 0)) return undefined;
  const ts = Date.parse(t.ts);
  if (Number.isNaN(ts)) return undefined;
  return { symbol: t.symbol, ts, price: t.price, volume: typeof t.volume === "number" && t.volume > 0 ? t.volume : 0 };
}

function barOf(value: Buffer | null): Bar | undefined {
  if (!value) return undefined;
  const json = parseJsonObject(value.toString("utf8"));
  if (!json.ok || barProblem(json.value) !== undefined) return undefined;
  return json.value as unknown as Bar;
}

/**
 * Reads one topic into `take` until the signal aborts. The tick topic must exist (its absence is thrown); the
 * others are waited for. A failure is reported and the read starts again after `retryMs`.
 */
async function follow(
  o: FeedOptions,
  sinks: FeedSinks,
  status: FeedStatus,
  from: ReadFrom,
  required: boolean,
  take: (value: Buffer | null) => boolean,
): Promise<void> {
  const retryMs = o.retryMs ?? 5000;
  let first = true;
  while (!o.signal.aborted) {
    try {
      const onStart = () => {
        status.state = "live";
        status.message = undefined;
        sinks.status(status);
      };
      for await (const batch of readMessages(o.kafka, { topic: status.topic, from, follow: true, signal: o.signal, onStart })) {
        for (const m of batch.messages) {
          status.read++;
          if (!take(m.value)) status.skipped++;
        }
        sinks.status(status);
      }
      return;
    } catch (err) {
      if (o.signal.aborted) return;
      if (err instanceof TopicNotFoundError) {
        if (required && first) throw err;
        status.state = "waiting";
        const maker = { notify: "notify", sources: "produce --source <live feed>" }[status.name as string] ?? "analyze";
        status.message = `topic ${status.topic} does not exist yet${status.name === "ticks" ? "" : `: run \`stockpipe ${maker}\` to make it`}`;
      } else {
        status.state = "failed";
        status.message = `reading ${status.topic} failed: ${errorMessage(err)}; trying again`;
      }
      sinks.status(status);
    }
    first = false;
    await sleep(retryMs, o.signal);
  }
}

function statusOf(name: FeedStatus["name"], topic: string): FeedStatus {
  return { name, topic, state: "starting", read: 0, skipped: 0 };
}

/**
 * Starts the five inputs. Resolves once the tick feed is reading (or rejects with TopicNotFoundError when the tick
 * topic does not exist); `done` resolves when every feed has stopped.
 */
export async function startFeeds(o: FeedOptions, sinks: FeedSinks): Promise<{ done: Promise<void>; statuses: FeedStatus[] }> {
  const ticks = statusOf("ticks", o.topics.ticks);
  const bars = statusOf("bars", o.topics.bars);
  const alerts = statusOf("alerts", o.topics.alerts);
  const notify = statusOf("notify", o.topics.notify);
  const sources = statusOf("sources", o.topics.sources);
  const admin = o.kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(o.topics.ticks)) throw new TopicNotFoundError(o.topics.ticks);
  } finally {
    await admin.disconnect().catch(() => {});
  }
  const feeds = [
    follow(o, sinks, ticks, o.ticksFrom, true, (value) => {
      const t = tickFields(value);
      if (t) sinks.tick(t.symbol, t.ts, t.price, t.volume);
      return t !== undefined;
    }),
    follow(o, sinks, bars, o.barsFrom, false, (value) => {
      const b = barOf(value);
      if (b) sinks.bar(b);
      return b !== undefined;
    }),
    follow(o, sinks, alerts, o.alertsFrom, false, (value) => {
      const a = value ? decodeAlert(value.toString("utf8")) : undefined;
      if (a?.ok) sinks.alert(a.alert);
      return a?.ok === true;
    }),
    // A compacted topic: from its start, the latest record of each destination.
    follow(o, sinks, notify, "earliest", false, (value) => {
      const d = decodeStatus(value);
      if (d) sinks.destination(d);
      return d !== undefined;
    }),
    follow(o, sinks, sources, "earliest", false, (value) => {
      const s = decodeFeedStatus(value);
      if (s) sinks.source(s);
      return s !== undefined;
    }),
  ];
  return { done: Promise.all(feeds).then(() => {}), statuses: [ticks, bars, alerts, notify, sources] };
}
