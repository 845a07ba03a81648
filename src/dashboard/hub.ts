/**
 * The dashboard's hub: what the feeds have read (the board, the bars of the dashboard's interval, the alerts, the
 * feeds' states, the pipeline's health), the open pages, and what is pushed to them: changed rows and new bars
 * every `pushEveryMs`, alerts as they arrive, health every `healthEveryMs`. Event names are the wire protocol's
 * (page/protocol.js).
 */
import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { Counter, Gauge } from "prom-client";
import type { Metrics } from "../metrics/metrics";
import type { Alert } from "../model/alert";
import type { Bar } from "../model/bar";
import type { CalendarBook, SessionMode } from "../model/calendar";
import type { Interval } from "../model/interval";
import type { FeedStatus as LiveFeedStatus } from "../model/status";
import type { DestinationStatus } from "../notify/status";
import type { FeedSinks, FeedStatus } from "./feeds";
import type { Health, HealthMonitor } from "./health";
import type { HistorySource } from "./history";
import { EVENTS, type EventName } from "./page/protocol.js";
import { AlertFeed, BarStore, Board, type BoardRow } from "./state";

export interface HubOptions {
  topic: string;
  interval: Interval;
  timeZone: string;
  /** The symbols' exchange calendars and which sessions count: the board's change since the open. */
  calendars: CalendarBook;
  sessions: SessionMode;
  metrics: Metrics;
  /** Where the chart's earlier bars come from, given the bars the hub itself read from the bars topic. */
  history: (bars: BarStore) => HistorySource;
  pushEveryMs?: number;
  healthEveryMs?: number;
  /**
   * Bytes a page's stream may hold unsent at most: a page that stops reading (a background tab, a stalled
   * network) is disconnected there, and told so when it reconnects, instead of the server buffering for it.
   */
  maxPageBufferBytes?: number;
}

/** Pages dropped for not reading, remembered by their stream's id to tell them when they come back. */
const DROPPED_REMEMBERED = 1000;

/** A board row as the protocol's tuple (BOARD_ROW). */
function rowTuple(r: BoardRow): [string, number, number, number, number, number] {
  return [r.symbol, r.price, Math.round(r.changePct * 1000) / 1000, r.volume, r.ts, r.trades];
}

const eventText = (event: EventName, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

export class Hub {
  readonly board: Board;
  readonly bars = new BarStore();
  readonly alerts = new AlertFeed();
  readonly historySource: HistorySource;
  /** The open pages' streams, each with its id (the SSE last-event id the browser sends back on reconnecting). */
  private readonly clients = new Map<ServerResponse, string>();
  private readonly dropped = new Set<string>();
  private pendingBars: Bar[] = [];
  private health?: Health;
  /** What notify said last of each destination. */
  private readonly destinations = new Map<string, DestinationStatus>();
  /** What produce said last of each live feed. */
  private readonly sources = new Map<string, LiveFeedStatus>();
  private feeds: FeedStatus[] = [];
  private feedsChanged = false;
  private readonly announced = new Map<string, string>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly pages: Gauge;
  private readonly events: Counter;
  private readonly drops: Counter;

  constructor(private readonly o: HubOptions) {
    this.board = new Board(o.calendars, o.sessions);
    this.historySource = o.history(this.bars);
    this.pages = new Gauge({
      name: "stockpipe_dashboard_pages",
      help: "Pages connected to the event stream",
      registers: [o.metrics.registry],
    });
    this.events = new Counter({
      name: "stockpipe_dashboard_events_total",
      help: "Events pushed to pages (one per page), by event",
      labelNames: ["event"],
      registers: [o.metrics.registry],
    });
    this.drops = new Counter({
      name: "stockpipe_dashboard_pages_dropped_total",
      help: "Pages disconnected because they stopped reading (their unsent events passed dashboard's bound)",
      registers: [o.metrics.registry],
    });
  }

  /** What the topic feeds hand over. */
  feedSinks(): FeedSinks {
    return {
      tick: (symbol, ts, price, volume) => this.board.add(symbol, ts, price, volume),
      bar: (bar) => {
        if (bar.interval !== this.o.interval.name) return;
        this.bars.add(bar);
        this.pendingBars.push(bar);
      },
      alert: (alert: Alert) => {
        if (this.alerts.add(alert)) this.broadcast(EVENTS.alert, alert);
      },
      destination: (d) => {
        this.destinations.set(d.destination, d);
      },
      source: (s) => {
        this.sources.set(s.source, s);
      },
      status: (s) => {
        // The statuses are the feeds' own objects, changed in place: compare with what was last announced.
        const now = `${s.state}|${s.message ?? ""}`;
        if (this.announced.get(s.name) !== now) {
          this.announced.set(s.name, now);
          this.feedsChanged = true;
        }
        this.o.metrics.advance(this.o.metrics.recordsIn, s.read, { kind: s.name });
      },
    };
  }

  /** Starts pushing: the feeds' statuses (live objects) and the monitor that samples health. */
  start(feeds: FeedStatus[], monitor: HealthMonitor): void {
    this.feeds = feeds;
    this.timers.push(setInterval(() => this.push(), this.o.pushEveryMs ?? 250));
    let sampling = false;
    const sample = async () => {
      if (sampling) return;
      sampling = true;
      try {
        this.health = {
          ...(await monitor.sample()),
          destinations: [...this.destinations.values()].sort((a, b) => a.destination.localeCompare(b.destination)),
          sources: [...this.sources.values()].sort((a, b) => a.source.localeCompare(b.source)),
        };
        this.broadcast(EVENTS.health, this.health);
      } finally {
        sampling = false;
      }
    };
    void sample();
    this.timers.push(setInterval(() => void sample(), this.o.healthEveryMs ?? 2000));
    // A comment line now and then keeps proxies from closing a quiet stream.
    this.timers.push(
      setInterval(() => {
        for (const res of [...this.clients.keys()]) this.send(res, ": keep-alive\n\n");
      }, 15_000),
    );
  }

  private push(): void {
    const rows = this.board.takeChanged();
    if (rows.length) this.broadcast(EVENTS.board, rows.map(rowTuple));
    if (this.pendingBars.length) {
      this.broadcast(EVENTS.bars, this.pendingBars);
      this.pendingBars = [];
    }
    if (this.feedsChanged) {
      this.feedsChanged = false;
      this.broadcast(EVENTS.feeds, this.snapshotFeeds());
    }
  }

  private broadcast(event: EventName, data: unknown): void {
    if (this.clients.size === 0) return;
    const text = eventText(event, data);
    this.events.inc({ event }, this.clients.size);
    for (const res of [...this.clients.keys()]) this.send(res, text);
  }

  /** Writes to one page; a page whose unsent events pass the bound is disconnected and remembered. */
  private send(res: ServerResponse, text: string): void {
    res.write(text);
    if (res.writableLength <= (this.o.maxPageBufferBytes ?? 4 * 1024 * 1024)) return;
    const id = this.clients.get(res);
    if (id !== undefined) {
      this.dropped.add(id);
      if (this.dropped.size > DROPPED_REMEMBERED) this.dropped.delete(this.dropped.values().next().value!);
    }
    this.drops.inc();
    this.leave(res);
    res.destroy();
  }

  private snapshotFeeds(): FeedStatus[] {
    return this.feeds.map((f) => ({ ...f }));
  }

  /**
   * A page opened the event stream: it gets everything it needs to draw itself, then every push. `lastEventId` is
   * the id its browser sends back on reconnecting: a page dropped for not reading is told so in its hello.
   */
  join(res: ServerResponse, lastEventId?: string): void {
    const id = lastEventId && this.dropped.delete(lastEventId) ? lastEventId : randomUUID();
    const dropped = id === lastEventId;
    res.write("retry: 1000\n\n");
    res.write(
      `id: ${id}\n${eventText(EVENTS.hello, {
        ...(dropped ? { dropped: true } : {}),
        topic: this.o.topic,
        interval: this.o.interval.name,
        timeZone: this.o.timeZone,
        board: this.board.all().map(rowTuple),
        alerts: this.alerts.newest(),
        health: this.health,
        feeds: this.snapshotFeeds(),
        history: this.historySource.name,
      })}`,
    );
    this.clients.set(res, id);
    this.pages.set(this.clients.size);
  }

  leave(res: ServerResponse): void {
    this.clients.delete(res);
    this.pages.set(this.clients.size);
  }

  /** A symbol's earlier bars, for the chart. */
  history(symbol: string) {
    const latest = this.board.all().find((r) => r.symbol === symbol)?.ts;
    return this.historySource.bars(symbol, this.o.interval.name, latest);
  }

  healthNow(): { health?: Health; feeds: FeedStatus[] } {
    return { health: this.health, feeds: this.snapshotFeeds() };
  }

  /** Stops pushing and ends every page's stream. */
  stop(): void {
    for (const t of this.timers) clearInterval(t);
    for (const res of this.clients.keys()) res.end();
  }
}
