/**
 * A live feed as a source: its protocol over the shared connection manager, recorded when asked. A feed sends
 * again, after a reconnection, trades it sent before (vendors replay the last ones, or a snapshot): ticks whose
 * id this source produced among its last `dedupWindow` are skipped, so the topic gets each trade once. (A trade
 * that still comes twice — two processes on one feed — has the same id, and every store keeps it once.)
 */
import type { Tick } from "../../model/tick";
import type { Source, SourceItem } from "../types";
import { feedItems } from "./connection";
import { Recorder, type RecordingHeader } from "./recording";
import type { RepairLimits } from "./repair";
import type { FeedConnectionEvents, FeedProtocol } from "./types";

/** How every feed's connection behaves (config `feeds`). */
export interface FeedTuning {
  silenceMs: number;
  pingMs: number;
  subscribeTimeoutMs: number;
  backoffMs: number;
  maxBackoffMs: number;
  maxFrameBytes: number;
  /** How many of the latest tick ids are remembered to skip a trade sent again. */
  dedupWindow: number;
  /** Fetching a gap's trades from the venue's history. */
  repair: RepairLimits;
}

export interface FeedSourceOptions {
  protocol: FeedProtocol;
  tuning: FeedTuning;
  /** Write every raw frame here (see recording.ts), with the options the decoder needs. */
  record?: { file: string; options: Record<string, unknown> };
  events?: FeedConnectionEvents;
}

export class FeedSource implements Source {
  readonly name: string;
  readonly endpoint: string;
  private recorder?: Recorder;
  /** Ids of the latest ticks produced (by this run, or found in the topic from the last one). */
  private readonly seen: RecentIds;

  /** Only a feed that can tell where it left off resumes (see Source.resume). */
  readonly resume?: (latest: readonly Tick[]) => void;

  constructor(private readonly o: FeedSourceOptions) {
    this.name = o.protocol.name;
    this.endpoint = o.protocol.shownUrl;
    this.seen = new RecentIds(o.tuning.dedupWindow);
    const resume = o.protocol.resume;
    if (resume)
      this.resume = (latest) => {
        for (const t of latest) if (t.id) this.seen.add(t.id);
        resume(latest);
      };
  }

  async open(): Promise<void> {
    const r = this.o.record;
    if (!r) return;
    const header: RecordingHeader = {
      recording: "stockpipe feed",
      version: 1,
      feed: this.o.protocol.name,
      options: r.options,
      url: this.o.protocol.shownUrl,
      startedAt: new Date().toISOString(),
      gaps: "recorded",
    };
    this.recorder = await Recorder.open(r.file, header);
  }

  items(signal: AbortSignal): AsyncIterable<SourceItem> {
    const t = this.o.tuning;
    const seen = this.seen;
    return feedItems(
      {
        protocol: this.o.protocol,
        silenceMs: t.silenceMs,
        pingMs: t.pingMs,
        subscribeTimeoutMs: t.subscribeTimeoutMs,
        backoff: { initialMs: t.backoffMs, maxMs: t.maxBackoffMs },
        maxFrameBytes: t.maxFrameBytes,
        tap: this.recorder,
        events: this.o.events,
        accept: (tick) => seen.add(tick.id!),
        repair: t.repair,
      },
      signal,
    );
  }

  async close(): Promise<void> {
    await this.recorder?.close();
  }
}

/** The last `size` ids added, to tell a repeat: a set, and a ring of the same ids in the order they came. */
export class RecentIds {
  private readonly ids = new Set<string>();
  private readonly ring: (string | undefined)[];
  private next = 0;

  constructor(size: number) {
    this.ring = new Array(size);
  }

  /** False when the id is among the recent ones. */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    const oldest = this.ring[this.next];
    if (oldest !== undefined) this.ids.delete(oldest);
    this.ring[this.next] = id;
    this.next = (this.next + 1) % this.ring.length;
    this.ids.add(id);
    return true;
  }
}
