/**
 * A streaming feed's protocol: what to send once connected, and what each frame means. The connection manager
 * (connection.ts) owns the socket — reconnects, heartbeats, silence — and runs one session per connection, so a
 * protocol only turns frames into events and says what to answer.
 */
import type { Tick } from "../../model/tick";

/** What one frame meant. */
export type FeedEvent =
  | { kind: "tick"; tick: Tick }
  | { kind: "rejected"; reason: string; detail: string }
  /** Send this text (an authentication after a greeting, a subscription after the authentication). */
  | { kind: "send"; text: string }
  /** The subscription is confirmed: data flows from here on. */
  | { kind: "subscribed"; detail?: string }
  /** A refusal retrying cannot change (a bad key, an unknown symbol): the feed stops with this one line. */
  | { kind: "refused"; message: string; hint?: string }
  /**
   * Messages the feed numbers were skipped, `missed` of them (0: not known); `ids`, the trades a history can
   * repair (by id, or by the time the feed was away).
   */
  | { kind: "gap"; missed: number; detail: string; ids?: TradeGap }
  /** A frame that only keeps the connection alive, or says nothing stockpipe uses. */
  | { kind: "ignored" };

/** One connection's view of the protocol: it starts over at every (re)connection. */
export interface FeedSession {
  /** Texts to send as soon as the socket is open. */
  opened(): string[];
  /** The events a text frame carries, in order; `at`, when it arrived (epoch ms; a replay: when it was recorded). */
  receive(frame: string, at?: number): FeedEvent[];
}

export interface FeedProtocol {
  /** The feed's name: `alpaca`, `finnhub`, `ws`, … (the tick's `source` starts with it). */
  readonly name: string;
  /** The endpoint to connect to (secrets in it are never shown: see `shownUrl`). */
  readonly url: string;
  /** The endpoint as it may be printed. */
  readonly shownUrl: string;
  /** Whether the feed confirms its subscription (else data counts as confirmation). */
  readonly confirms: boolean;
  /**
   * Whether the venue sends a frame at least every second once subscribed (a heartbeat channel): then a socket
   * with no frame for `feeds.silenceMs` is replaced even while it answers pings.
   */
  readonly promisesData?: boolean;
  /**
   * Takes where a previous run left off (the latest ticks in the topic; the feed keeps those of its own source and
   * symbols): the next trade after it shows the gap since.
   */
  resume?(latest: readonly Tick[]): void;
  /** The venue's trade history, where the trades of a gap can be fetched again. */
  readonly history?: TradeHistory<IdGap> | TradeHistory<TimeGap>;
  session(): FeedSession;
}

/** A gap a feed's numbering showed, and what its repair fetched. */
export interface GapReport {
  /** What was missed: "BTC-USD: trade ids 1010–1012 never arrived". */
  detail: string;
  missed: number;
  /** Trades fetched from the venue's history, and those still missing (with why). */
  repaired: number;
  left: number;
  why?: string;
  /** Whether the gap is whole again (for a gap by time, whether the history answered all of it). */
  complete: boolean;
  /** REST requests the repair made. */
  calls: number;
}

/** The events a feed's connection goes through, for the live line and metrics. */
export interface FeedConnectionEvents {
  onConnected?(feed: string): void;
  onSubscribed?(feed: string): void;
  /** The connection dropped or went silent; the next attempt is in `delayMs`. */
  onReconnecting?(feed: string, attempt: number, delayMs: number, reason: string): void;
  onGap?(feed: string, gap: GapReport): void;
  /** A tick this process had already produced came again (after a reconnection) and was skipped. */
  onDuplicate?(feed: string): void;
}

/**
 * Trades of one symbol a feed never delivered: ids `first` to `last`, both included. `cursor`: where a history
 * read by time starts (Kraken's `since`), or its next page.
 */
export interface IdGap {
  symbol: string;
  first: number;
  last: number;
  cursor?: string;
}

/**
 * Trades of one symbol a feed may have missed between two times (RFC 3339, both included): a venue whose trade
 * ids do not rise by one tells a gap only by the time it was disconnected. `cursor`: the venue's page token.
 */
export interface TimeGap {
  symbol: string;
  from: string;
  to: string;
  cursor?: string;
}

export type TradeGap = IdGap | TimeGap;

export const isIdGap = (gap: TradeGap): gap is IdGap => "first" in gap;

/** A venue's trade history over REST, read by trade id or by time. */
export interface TradeHistory<G extends TradeGap = TradeGap> {
  /** The REST API's base, as it may be printed. */
  readonly shownUrl: string;
  /** Headers every request carries. */
  readonly headers?: Record<string, string>;
  /** The request (a URL) for at most one page of the gap's trades. */
  request(gap: G): string;
  /**
   * A page's trades within the gap as events (ticks and rejections), what of the gap is left to ask for
   * (undefined: nothing more to ask), and how long to wait before asking (the venue's rate limit nearly spent);
   * `again`: the venue answered that its rate limit is spent (in the body, as Kraken does) — ask for the same page
   * after `waitMs`.
   */
  read(page: { body: unknown; headers: Headers }, gap: G): { events: FeedEvent[]; rest?: G; waitMs?: number; again?: boolean };
}
