/** A live feed as a source: its protocol over the shared connection manager, recorded when asked. */
import type { Source, SourceItem } from "../types";
import { feedItems } from "./connection";
import { Recorder, type RecordingHeader } from "./recording";
import type { FeedConnectionEvents, FeedProtocol } from "./types";

/** How every feed's connection behaves (config `feeds`). */
export interface FeedTuning {
  silenceMs: number;
  pingMs: number;
  subscribeTimeoutMs: number;
  backoffMs: number;
  maxBackoffMs: number;
  maxFrameBytes: number;
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
  private recorder?: Recorder;

  constructor(private readonly o: FeedSourceOptions) {
    this.name = o.protocol.name;
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
    };
    this.recorder = await Recorder.open(r.file, header);
  }

  items(signal: AbortSignal): AsyncIterable<SourceItem> {
    const t = this.o.tuning;
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
      },
      signal,
    );
  }

  async close(): Promise<void> {
    await this.recorder?.close();
  }
}
