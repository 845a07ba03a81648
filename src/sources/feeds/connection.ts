/**
 * The one connection manager every streaming feed shares: connect, run the protocol's session (authenticate,
 * subscribe, confirmation), keep the socket honest (a ping every `pingMs`; no frame or pong for `silenceMs`, or
 * no confirmation within `subscribeTimeoutMs`, and the socket is replaced), and reconnect with exponential
 * backoff and jitter, subscribing again. A refusal that retrying cannot change (a bad key, an unknown symbol)
 * ends the feed with one line. Frames are read as fast as they are used: past `HIGH_WATER` unread frames the
 * socket is paused until the reader catches up.
 */
import { setTimeout as sleep } from "node:timers/promises";
import WebSocket from "ws";
import { RuntimeError } from "../../errors";
import type { Tick } from "../../model/tick";
import type { SourceItem } from "../types";
import { type RepairLimits, repairGap, unrepaired } from "./repair";
import {
  type FeedConnectionEvents,
  type FeedEvent,
  type FeedProtocol,
  type FeedSession,
  type GapReport,
  isIdGap,
  type TradeGap,
  type TradeHistory,
} from "./types";

export interface ConnectionOptions {
  protocol: FeedProtocol;
  /** No frame or pong for this long: the connection is taken as dead and replaced. */
  silenceMs: number;
  /** A WebSocket ping this often. */
  pingMs: number;
  /** How long a subscription may take to be confirmed. */
  subscribeTimeoutMs: number;
  /** Reconnection delays: `initialMs` doubling up to `maxMs`, each with jitter. */
  backoff: { initialMs: number; maxMs: number };
  /** A larger frame closes the connection (it is replaced). */
  maxFrameBytes: number;
  /** Sees each new connection and every raw frame as it arrives (recording). */
  tap?: {
    connected(atMs: number): void;
    frame(text: string, atMs: number): void;
    gap(report: GapReport, repaired: Tick[], atMs: number): void;
  };
  events?: FeedConnectionEvents;
  /** False for a tick already produced (sent again after a reconnection): it is skipped and counted. */
  accept?(tick: Tick): boolean;
  /** A gap (of trade ids, or of time away) is fetched from the protocol's history within these limits (when it has one). */
  repair?: RepairLimits;
}

const HIGH_WATER = 10_000;
const LOW_WATER = 1_000;
/** How much of a rejected frame is kept with it. */
const RAW_KEPT = 500;

/** The delay before reconnection attempt `attempt` (1, 2, …): exponential, with half of it random. */
export function backoffDelay(attempt: number, b: ConnectionOptions["backoff"], random = Math.random): number {
  const full = Math.min(b.maxMs, b.initialMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(full / 2 + (random() * full) / 2);
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** A socket that would not open: refused (an HTTP answer that retrying cannot change) or not (yet) reachable. */
class OpenFailed extends Error {
  constructor(
    message: string,
    readonly refused: boolean,
  ) {
    super(message);
  }
}

/** An open socket, and the frames that came with the handshake's answer (before anyone listened). */
interface Opened {
  ws: WebSocket;
  early: { text: string; at: number }[];
}

function open(o: ConnectionOptions, signal: AbortSignal): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(o.protocol.url, { maxPayload: o.maxFrameBytes, handshakeTimeout: Math.max(1000, o.silenceMs) });
    const abort = () => ws.terminate();
    signal.addEventListener("abort", abort, { once: true });
    const done = () => signal.removeEventListener("abort", abort);
    ws.once("open", () => {
      done();
      // A server that speaks first (a greeting) may send it in the same packet as the handshake's answer.
      const early: Opened["early"] = [];
      ws.on("message", (data) => early.push({ text: data.toString(), at: Date.now() }));
      resolve({ ws, early });
    });
    ws.once("unexpected-response", (_req, res) => {
      done();
      const status = res.statusCode ?? 0;
      ws.terminate();
      reject(new OpenFailed(`HTTP ${status} ${res.statusMessage ?? ""}`.trim(), status === 401 || status === 403 || status === 404));
    });
    ws.once("error", (err) => {
      done();
      reject(new OpenFailed(err.message, false));
    });
  });
}

/** The ticks and rejected frames of a feed, across reconnections, until `signal` aborts or the feed is refused. */
export async function* feedItems(o: ConnectionOptions, signal: AbortSignal): AsyncGenerator<SourceItem> {
  const name = o.protocol.name;
  let attempt = 0;
  while (!signal.aborted) {
    let reason: string;
    try {
      const { ws, early } = await open(o, signal);
      o.tap?.connected(Date.now());
      o.events?.onConnected?.(name);
      const conn = new Connection(ws, early, o, o.protocol.session());
      try {
        for await (const item of conn.items(signal)) {
          // Data flowing again ends a series of failed attempts.
          attempt = 0;
          yield item;
        }
      } finally {
        conn.close();
      }
      reason = conn.closedBecause;
    } catch (err) {
      if (err instanceof OpenFailed && err.refused)
        throw new RuntimeError(`${name} at ${o.protocol.shownUrl} refused the connection: ${err.message}`, {
          hint: `check the ${name} credentials (and the feed's address)`,
        });
      if (!(err instanceof OpenFailed)) throw err;
      reason = `cannot connect: ${err.message}`;
    }
    if (signal.aborted) return;
    attempt++;
    const delay = backoffDelay(attempt, o.backoff);
    o.events?.onReconnecting?.(name, attempt, delay, reason);
    await sleep(delay, undefined, { signal }).catch(() => {});
  }
}

/** One open socket: its frames, through the protocol's session, as items. */
class Connection {
  closedBecause = "the connection closed";
  private readonly frames: string[] = [];
  /** Each queued frame's arrival time (epoch ms), beside it: what a recording writes, and what a feed may stamp. */
  private readonly arrivals: number[] = [];
  private wake?: () => void;
  private ended = false;
  private paused = false;
  private subscribed: boolean;
  private lastHeard = Date.now();
  private lastFrame = Date.now();
  private readonly opened = Date.now();
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly ws: WebSocket,
    early: Opened["early"],
    private readonly o: ConnectionOptions,
    private readonly session: FeedSession,
  ) {
    this.subscribed = false;
    ws.removeAllListeners("message");
    for (const { text, at } of early) {
      o.tap?.frame(text, at);
      this.frames.push(text);
      this.arrivals.push(at);
    }
    ws.on("message", (data, isBinary) => {
      const text = isBinary ? Buffer.from(data as Buffer).toString("utf8") : data.toString();
      this.lastHeard = this.lastFrame = Date.now();
      o.tap?.frame(text, this.lastHeard);
      this.frames.push(text);
      this.arrivals.push(this.lastHeard);
      if (!this.paused && this.frames.length > HIGH_WATER) {
        this.paused = true;
        ws.pause();
      }
      this.wake?.();
    });
    ws.on("pong", () => {
      this.lastHeard = Date.now();
    });
    ws.on("ping", () => {
      this.lastHeard = Date.now();
    });
    ws.on("close", (code, why) => this.end(`the connection closed (${code}${why.length ? ` ${why.toString()}` : ""})`));
    ws.on("error", (err) => this.end(`the connection failed: ${err.message}`));
    this.timers.push(
      setInterval(() => {
        if (ws.readyState === WebSocket.OPEN) ws.ping();
      }, o.pingMs),
      setInterval(() => this.watch(), Math.max(50, Math.min(1000, o.silenceMs / 4))),
    );
    for (const t of this.timers) t.unref();
    for (const text of session.opened()) ws.send(text);
  }

  /**
   * Replaces a socket that went silent, or whose subscription was never confirmed. A feed that promises data
   * (a heartbeat every second) is silent when no frame came, even if its pongs still do.
   */
  private watch(): void {
    const now = Date.now();
    const promised = this.o.protocol.promisesData && this.subscribed;
    const heard = promised ? this.lastFrame : this.lastHeard;
    if (!this.paused && now - heard > this.o.silenceMs) {
      this.end(
        `no data for ${seconds(now - heard)}${promised && this.lastHeard > this.lastFrame ? " (the socket still answered pings)" : ""}`,
      );
      this.ws.terminate();
    } else if (!this.subscribed && now - this.opened > this.o.subscribeTimeoutMs) {
      this.end(`no subscription confirmed within ${seconds(this.o.subscribeTimeoutMs)}`);
      this.ws.terminate();
    }
  }

  private end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.closedBecause = reason;
    this.wake?.();
  }

  close(): void {
    for (const t of this.timers) clearInterval(t);
    this.ended = true;
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(1000);
  }

  private confirm(): void {
    if (this.subscribed) return;
    this.subscribed = true;
    this.o.events?.onSubscribed?.(this.o.protocol.name);
  }

  async *items(signal: AbortSignal): AsyncGenerator<SourceItem> {
    const stop = () => this.end("stopped");
    signal.addEventListener("abort", stop, { once: true });
    try {
      while (true) {
        const frame = this.frames.shift();
        const at = this.arrivals.shift() ?? Date.now();
        if (frame === undefined) {
          if (this.ended) return;
          await new Promise<void>((r) => {
            this.wake = r;
          });
          this.wake = undefined;
          continue;
        }
        if (this.paused && this.frames.length < LOW_WATER) {
          this.paused = false;
          this.ws.resume();
        }
        // Each event of the frame, without a generator per frame or per event (this is the feed's hot path).
        for (const e of this.session.receive(frame, at)) {
          if (e.kind === "gap") yield* this.gap(e, signal);
          else {
            const item = this.handle(e, frame);
            if (item) yield item;
          }
        }
      }
    } finally {
      signal.removeEventListener("abort", stop);
    }
  }

  /** What one event of a frame does; the item it makes, if any. */
  private handle(e: Exclude<FeedEvent, { kind: "gap" }>, frame: string): SourceItem | undefined {
    const { protocol } = this.o;
    switch (e.kind) {
      case "tick":
        if (!protocol.confirms) this.confirm();
        return this.item(e, frame);
      case "rejected":
        return this.item(e, frame);
      case "send":
        this.ws.send(e.text);
        return undefined;
      case "subscribed":
        this.confirm();
        return undefined;
      case "refused":
        throw new RuntimeError(`${protocol.name} at ${protocol.shownUrl}: ${e.message}`, { hint: e.hint });
      default:
        // A keep-alive frame (ping) says the feed is there: for a feed without confirmations, that is enough.
        if (!protocol.confirms) this.confirm();
        return undefined;
    }
  }

  /** A tick (unless it was produced already) or a rejection, as an item. */
  private item(e: FeedEvent, raw: string, url = this.o.protocol.shownUrl): SourceItem | undefined {
    if (e.kind === "tick") {
      if (this.o.accept && !this.o.accept(e.tick)) {
        this.o.events?.onDuplicate?.(this.o.protocol.name);
        return undefined;
      }
      return { kind: "tick", tick: e.tick, eventMs: Date.parse(e.tick.ts) };
    }
    if (e.kind === "rejected") return { kind: "rejected", reason: e.reason, detail: e.detail, url, raw: raw.slice(0, RAW_KEPT) };
    return undefined;
  }

  /** A gap: its trades fetched from the venue's history (where it has one and repair is on), then reported. */
  private async *gap(e: Extract<FeedEvent, { kind: "gap" }>, signal: AbortSignal): AsyncGenerator<SourceItem> {
    const { protocol, repair } = this.o;
    let report = unrepaired(e);
    const produced: Tick[] = [];
    if (e.ids && protocol.history && repair?.enabled) {
      const r = await repairGap(protocol.history as TradeHistory<TradeGap>, e.ids, repair, signal);
      for (const event of r.events) {
        const item = this.item(event, "", protocol.history.shownUrl);
        if (!item) continue;
        if (item.kind === "tick") produced.push(item.tick);
        yield item;
      }
      // Trades this feed had produced already (at the edges of a gap by time) are not counted; a gap by time
      // missed as many trades as the history had for it.
      const repaired = produced.length;
      const missed = isIdGap(e.ids) ? e.missed : repaired;
      report = {
        ...report,
        missed,
        repaired,
        left: r.left,
        calls: r.calls,
        complete: r.complete,
        ...(r.why ? { why: r.why } : {}),
      };
    }
    this.o.tap?.gap(report, produced, Date.now());
    this.o.events?.onGap?.(protocol.name, report);
  }
}
