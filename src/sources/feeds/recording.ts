/**
 * Recordings of a feed: every raw frame with its arrival time, one JSON line each, after a header naming the
 * feed and the options its decoder needs (never a secret). A replay runs the frames through the same decoder, a
 * new session at each recorded connection, at the recorded pace or faster — so it gives the very ticks (the
 * same ids) the live run gave.
 *
 *   {"recording":"stockpipe feed","version":1,"feed":"alpaca","options":{…},"url":"wss://…","startedAt":"…"}
 *   {"at":1733472000123,"connected":true}
 *   {"at":1733472000125,"frame":"[{\"T\":\"success\",\"msg\":\"connected\"}]"}
 *   {"at":1733472000300,"gap":{"detail":"BTC-USD: trade ids 1010–1012 never arrived",…},"repaired":[{tick},…]}
 *
 * A gap is recorded with what its repair fetched (the ticks it produced), so a replay gives the repaired trades
 * too; a recording whose header says `"gaps":"recorded"` is replayed with those gaps, not the decoder's.
 */
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { fieldError, RuntimeError, UsageError } from "../../errors";
import type { Tick } from "../../model/tick";
import type { Source, SourceItem } from "../types";
import { tickEvent } from "./frames";
import { unrepaired } from "./repair";
import type { FeedConnectionEvents, FeedProtocol, FeedSession, GapReport } from "./types";

export interface RecordingHeader {
  recording: "stockpipe feed";
  version: 1;
  feed: string;
  /** What the feed's decoder needs to give the same ticks (symbols, data feed, mapping…), never a secret. */
  options: Record<string, unknown>;
  url: string;
  startedAt: string;
  /** Gaps are recorded lines, with their repaired ticks (recordings made before repair have none). */
  gaps?: "recorded";
}

export class Recorder {
  private constructor(private readonly out: WriteStream) {}

  static async open(path: string, header: RecordingHeader): Promise<Recorder> {
    const out = createWriteStream(path);
    await new Promise<void>((resolve, reject) =>
      out
        .once("open", () => resolve())
        .once("error", (e) => reject(fieldError(RuntimeError, (n) => [`cannot write ${n("record")} ${path}: ${e.message}`]))),
    );
    out.write(`${JSON.stringify(header)}\n`);
    return new Recorder(out);
  }

  connected(at: number): void {
    this.out.write(`${JSON.stringify({ at, connected: true })}\n`);
  }

  frame(text: string, at: number): void {
    this.out.write(`${JSON.stringify({ at, frame: text })}\n`);
  }

  gap(report: GapReport, repaired: Tick[], at: number): void {
    this.out.write(`${JSON.stringify({ at, gap: report, repaired })}\n`);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.out.end(() => resolve()));
  }
}

type Line = { at: number; connected?: true; frame?: string; gap?: GapReport; repaired?: unknown[] };

/** Reads a recording's header (the first line). */
export async function readHeader(path: string): Promise<RecordingHeader> {
  for await (const line of lines(path)) {
    let h: RecordingHeader;
    try {
      h = JSON.parse(line);
    } catch {
      throw notARecording(path);
    }
    if (h?.recording !== "stockpipe feed" || typeof h.feed !== "string") throw notARecording(path);
    return h;
  }
  throw notARecording(path);
}

function notARecording(path: string): UsageError {
  return fieldError(UsageError, (n) => [`${n("file")} ${path} is not a feed recording (made by ${n("record")})`]);
}

function lines(path: string): AsyncIterable<string> {
  const input = createReadStream(path);
  input.on("error", () => {});
  return createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
}

/** A recording as a source: its frames through `protocol`'s decoder, at the recorded pace divided by `speed`. */
export class ReplaySource implements Source {
  readonly name: string;

  constructor(
    private readonly o: { file: string; protocol: FeedProtocol; speed?: number; events?: FeedConnectionEvents; gapsRecorded?: boolean },
  ) {
    this.name = `replay:${o.protocol.name}`;
  }

  async open(): Promise<void> {}

  async *items(signal: AbortSignal): AsyncGenerator<SourceItem> {
    const { protocol, speed } = this.o;
    let session: FeedSession | undefined;
    let first = true;
    let startedAt = 0;
    let startedPlaying = 0;
    for await (const text of lines(this.o.file)) {
      if (signal.aborted) return;
      if (first) {
        first = false;
        continue;
      }
      let line: Line;
      try {
        line = JSON.parse(text);
      } catch {
        yield {
          kind: "rejected",
          reason: "not a recorded frame",
          detail: "a line of the recording is not JSON",
          url: this.o.file,
          raw: text.slice(0, 500),
        };
        continue;
      }
      if (speed !== undefined && Number.isFinite(speed)) {
        if (startedAt === 0) {
          startedAt = line.at;
          startedPlaying = performance.now();
        }
        const due = startedPlaying + (line.at - startedAt) / speed;
        const wait = due - performance.now();
        if (wait > 1) await sleep(wait, undefined, { signal }).catch(() => {});
        if (signal.aborted) return;
      }
      if (line.connected) {
        session = protocol.session();
        continue;
      }
      if (line.gap) {
        for (const t of line.repaired ?? []) {
          const e = tickEvent({ ...(t as Record<string, unknown>) });
          if (e.kind === "tick") yield { kind: "tick", tick: e.tick, eventMs: Date.parse(e.tick.ts) };
          else if (e.kind === "rejected")
            yield { kind: "rejected", reason: e.reason, detail: e.detail, url: this.o.file, raw: text.slice(0, 500) };
        }
        this.o.events?.onGap?.(protocol.name, line.gap);
        continue;
      }
      if (typeof line.frame !== "string") continue;
      session ??= protocol.session();
      for (const e of session.receive(line.frame, line.at)) {
        if (e.kind === "tick") yield { kind: "tick", tick: e.tick, eventMs: Date.parse(e.tick.ts) };
        else if (e.kind === "rejected")
          yield { kind: "rejected", reason: e.reason, detail: e.detail, url: this.o.file, raw: line.frame.slice(0, 500) };
        else if (e.kind === "gap" && !this.o.gapsRecorded) this.o.events?.onGap?.(protocol.name, unrepaired(e));
        else if (e.kind === "refused") throw new RuntimeError(`${protocol.name} (recorded): ${e.message}`, { hint: e.hint });
      }
    }
  }

  async close(): Promise<void> {}
}
