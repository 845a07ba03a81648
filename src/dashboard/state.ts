/**
 * What the dashboard shows, kept in memory and fed from the topics: the ticker board (one row per symbol), the
 * bars of the chosen interval per symbol, and the newest alerts. Pure: no Kafka, no HTTP. The server reads the
 * rows that changed since it last asked (`takeChanged`), so a symbol that ticks a thousand times a second costs
 * the page one update per frame, not a thousand.
 */
import type { Alert } from "../model/alert";
import type { Bar } from "../model/bar";
import type { CalendarBook, SessionMode } from "../model/calendar";
import { addVolume, type VolumeSum, volumeOf } from "../model/volume";

export interface BoardRow {
  symbol: string;
  /** Price of the latest tick by event time. */
  price: number;
  /** Price of the trading session's first tick by event time. */
  open: number;
  /** (price − open) / open × 100. */
  changePct: number;
  /** Σ volume of the trading day's ticks. */
  volume: number;
  /** Event time of the latest tick, epoch ms. */
  ts: number;
  /** Ticks of the trading day seen. */
  trades: number;
}

interface Day {
  start: number;
  end: number;
}

interface Row extends BoardRow {
  day: Day;
  openTs: number;
  /** The day's volume, summed exactly (fractional sizes too). */
  sum: VolumeSum;
}

/**
 * The ticker board: the latest price, the change since the session's open and the session's volume of each
 * symbol, on its exchange calendar (`analytics.sessions` says which hours count).
 */
export class Board {
  private readonly rows = new Map<string, Row>();
  private changed = new Set<string>();

  constructor(
    private readonly calendars: CalendarBook,
    private readonly sessions: SessionMode,
  ) {}

  /**
   * One tick. In a session: ticks of an earlier session than the row's are ignored, a later session starts the row
   * over. Outside the sessions (pre-market under `regular`, a weekend): the latest price moves, the session's
   * open, volume and trades do not.
   */
  add(symbol: string, tsMs: number, price: number, volume: number): void {
    const span = this.calendars.of(symbol).spanAt(tsMs, this.sessions);
    let row = this.rows.get(symbol);
    if (row && tsMs < row.day.start) return;
    if (row && span && tsMs >= row.day.end) row = undefined;
    if (!row) {
      // Outside the sessions, a first tick opens an empty span that the next session's first tick replaces.
      const day = span ?? { start: tsMs, end: tsMs };
      row = { symbol, price, open: price, changePct: 0, volume: 0, ts: tsMs, trades: 0, day, openTs: tsMs, sum: { whole: 0, units: 0 } };
      this.rows.set(symbol, row);
    }
    if (tsMs >= row.ts) {
      row.price = price;
      row.ts = tsMs;
    }
    if (span) {
      if (tsMs < row.openTs) {
        row.open = price;
        row.openTs = tsMs;
      }
      addVolume(row.sum, volume);
      row.volume = volumeOf(row.sum.whole, row.sum.units);
      row.trades++;
    }
    row.changePct = ((row.price - row.open) / row.open) * 100;
    this.changed.add(symbol);
  }

  /** The rows changed since the last call. */
  takeChanged(): BoardRow[] {
    const out: BoardRow[] = [];
    for (const s of this.changed) out.push(publicRow(this.rows.get(s)!));
    this.changed = new Set();
    return out;
  }

  all(): BoardRow[] {
    return [...this.rows.values()].map(publicRow);
  }

  get size(): number {
    return this.rows.size;
  }
}

function publicRow(r: Row): BoardRow {
  return { symbol: r.symbol, price: r.price, open: r.open, changePct: r.changePct, volume: r.volume, ts: r.ts, trades: r.trades };
}

/** The last `keep` bars of each symbol, in start order; a bar sent again (same start) replaces the earlier one. */
export class BarStore {
  private readonly bars = new Map<string, Bar[]>();

  constructor(private readonly keep = 1000) {}

  add(bar: Bar): void {
    let list = this.bars.get(bar.symbol);
    if (!list) {
      list = [];
      this.bars.set(bar.symbol, list);
    }
    const last = list[list.length - 1];
    if (!last || last.start < bar.start) list.push(bar);
    else {
      const at = list.findIndex((b) => b.start >= bar.start);
      if (list[at]!.start === bar.start) list[at] = bar;
      else list.splice(at, 0, bar);
    }
    if (list.length > this.keep) list.splice(0, list.length - this.keep);
  }

  of(symbol: string): Bar[] {
    return this.bars.get(symbol) ?? [];
  }
}

/** The newest alerts, newest first by event time, each once (by id). */
export class AlertFeed {
  private list: Alert[] = [];
  private readonly ids = new Set<string>();

  constructor(private readonly keep = 200) {}

  /** Whether the alert was new. */
  add(alert: Alert): boolean {
    if (this.ids.has(alert.id)) return false;
    this.ids.add(alert.id);
    let at = 0;
    while (at < this.list.length && this.list[at]!.ts > alert.ts) at++;
    this.list.splice(at, 0, alert);
    if (this.list.length > this.keep) for (const gone of this.list.splice(this.keep)) this.ids.delete(gone.id);
    return true;
  }

  newest(): Alert[] {
    return [...this.list];
  }
}
