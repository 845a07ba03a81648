/**
 * The analytics of one Kafka partition: event-time windows closed by the partition's watermark, bars, alerts and
 * late ticks. Pure and synchronous: ticks go in (in offset order), outputs come out, and the state that a restart
 * needs can be taken out and put back (`snapshot`, `restore`) — resuming from a snapshot gives exactly the
 * outputs an uninterrupted run gives.
 *
 * The watermark is the largest event time seen minus the lateness. A window [start, end) closes once the
 * watermark reaches `end`. A tick behind the watermark is late: it counts in no bar and no rule (so the bars of
 * every interval are built from the same ticks), and is handed back with the windows it missed.
 */
import type { Alert } from "../model/alert";
import type { Bar } from "../model/bar";
import type { Calendar, CalendarBook, SessionMode, SessionSpan } from "../model/calendar";
import { clockWindow, type Interval } from "../model/interval";
import type { Tick } from "../model/tick";
import { getOrCreate } from "../util/maps";
import { addToBar, type BarAcc, newBar, toBar } from "./bars";
import { newRuleState, onBarClosed, onTick, type RuleSettings, type RuleState } from "./rules";

export interface AnalyticsSettings {
  /** Every interval windows are kept for: the bar intervals, then any a rule needs besides. */
  intervals: Interval[];
  /** Names of the intervals whose bars are output. */
  emit: ReadonlySet<string>;
  latenessMs: number;
  timeZone: string;
  /** Each symbol's exchange calendar, and which of its sessions make the trading day (1d bars, openingGap). */
  calendars: CalendarBook;
  sessions: SessionMode;
  rules: RuleSettings;
}

export interface MissedWindow {
  interval: string;
  start: string;
  end: string;
}

export interface LateTick {
  /** Index of the tick in the `process` call's input. */
  index: number;
  watermark: string;
  missed: MissedWindow[];
}

export interface Outputs {
  bars: Bar[];
  alerts: Alert[];
  late: LateTick[];
  /** Ticks (not late) outside their calendar's sessions: in the sub-day bars, not in a 1d bar or the opening gap. */
  offSession: number;
}

export function emptyOutputs(): Outputs {
  return { bars: [], alerts: [], late: [], offSession: 0 };
}

interface SymbolState {
  symbol: string;
  calendar: Calendar;
  /** Open windows per interval (index into settings.intervals), by start. */
  open: Map<number, BarAcc>[];
  rules: RuleState;
}

/** A symbol's state as the checkpoint stores it. */
export interface SymbolSnapshot {
  symbol: string;
  /** Open bars by interval name. */
  bars: Record<string, BarAcc[]>;
  rules: RuleState;
}

export interface PartitionSnapshot {
  /** Largest event time seen (epoch ms), or null before the first tick. */
  maxTs: number | null;
}

export class PartitionAnalyzer {
  private maxTs = Number.NEGATIVE_INFINITY;
  private readonly symbols = new Map<string, SymbolState>();
  /** Per interval: window end → symbols with a window open until then. */
  private readonly closing: Map<number, Set<SymbolState>>[];
  /** The earliest end among open windows: nothing to close before the watermark reaches it. */
  private nextClose = Number.POSITIVE_INFINITY;
  /** Symbols changed since `takeChanged`. */
  private changed = new Set<string>();

  constructor(private readonly s: AnalyticsSettings) {
    this.closing = s.intervals.map(() => new Map());
  }

  watermark(): number {
    return this.maxTs - this.s.latenessMs;
  }

  /** Processes ticks in offset order; `tsMs[i]` is `ticks[i].ts` as epoch ms. */
  process(ticks: readonly Tick[], tsMs: readonly number[], out: Outputs): void {
    for (let i = 0; i < ticks.length; i++) this.one(ticks[i]!, tsMs[i]!, i, out);
  }

  private one(t: Tick, ts: number, index: number, out: Outputs): void {
    const watermark = this.maxTs - this.s.latenessMs;
    if (ts < watermark) {
      out.late.push({ index, watermark: new Date(watermark).toISOString(), missed: this.windowsOf(t.symbol, ts) });
      return;
    }
    const s = getOrCreate(this.symbols, t.symbol, () => this.newSymbol(t.symbol));
    this.changed.add(t.symbol);
    const volume = t.volume ?? 0;
    const span = s.calendar.spanAt(ts, this.s.sessions);
    if (!span) out.offSession++;
    for (let k = 0; k < this.s.intervals.length; k++) {
      const interval = this.s.intervals[k]!;
      const w = windowAt(ts, interval, span);
      if (!w) continue;
      // A daily bar takes a tick's own day range (a daily price file's row); a shorter one, its price.
      const own = interval.daily && (t.open ?? t.high ?? t.low ?? t.close) !== undefined ? t : undefined;
      const bar = s.open[k]!.get(w.start);
      if (bar) addToBar(bar, t.price, ts, volume, own);
      else {
        const b = newBar(w.start, w.end, t.price, ts, volume, own);
        if (span && interval.daily) b.session = span.day;
        s.open[k]!.set(w.start, b);
        getOrCreate(this.closing[k]!, w.end, () => new Set()).add(s);
        if (w.end < this.nextClose) this.nextClose = w.end;
      }
    }
    onTick(
      this.s.rules,
      s.rules,
      { symbol: t.symbol, price: t.price, tsMs: ts, ts: t.ts, id: t.id ?? "", span, open: t.open, close: t.close },
      out.alerts,
    );
    if (ts > this.maxTs) {
      this.maxTs = ts;
      if (ts - this.s.latenessMs >= this.nextClose) this.close(ts - this.s.latenessMs, out);
    }
  }

  private newSymbol(symbol: string): SymbolState {
    return { symbol, calendar: this.s.calendars.of(symbol), open: this.s.intervals.map(() => new Map()), rules: newRuleState() };
  }

  private windowsOf(symbol: string, ts: number): MissedWindow[] {
    const span = this.s.calendars.of(symbol).spanAt(ts, this.s.sessions);
    const out: MissedWindow[] = [];
    for (const iv of this.s.intervals) {
      const w = this.s.emit.has(iv.name) ? windowAt(ts, iv, span) : undefined;
      if (w) out.push({ interval: iv.name, start: new Date(w.start).toISOString(), end: new Date(w.end).toISOString() });
    }
    return out;
  }

  /**
   * Closes every window that ends at or before `watermark` (epoch ms), as a watermark that far would: for a
   * bounded input (a backfill) that has no later tick to move it there.
   */
  closeUntil(watermark: number, out: Outputs): void {
    if (watermark >= this.nextClose) this.close(watermark, out);
  }

  /** Emits every window whose end the watermark has reached, earliest end first. */
  private close(watermark: number, out: Outputs): void {
    const due: [number, number][] = [];
    for (let k = 0; k < this.closing.length; k++) for (const end of this.closing[k]!.keys()) if (end <= watermark) due.push([end, k]);
    due.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (const [end, k] of due) {
      const interval = this.s.intervals[k]!;
      // By symbol: the same order whether or not the state was read back from a checkpoint on the way.
      const symbols = [...this.closing[k]!.get(end)!].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
      for (const s of symbols) {
        for (const [start, bar] of s.open[k]!) {
          if (bar.end !== end) continue;
          if (this.s.emit.has(interval.name))
            out.bars.push(
              toBar(s.symbol, interval.name, bar, bar.session ?? s.calendar.dayOverlapping(bar.start, bar.end, this.s.sessions)),
            );
          onBarClosed(this.s.rules, s.rules, s.symbol, interval, bar, out.alerts);
          s.open[k]!.delete(start);
        }
        this.changed.add(s.symbol);
      }
      this.closing[k]!.delete(end);
    }
    this.nextClose = Number.POSITIVE_INFINITY;
    for (const ends of this.closing) for (const end of ends.keys()) if (end < this.nextClose) this.nextClose = end;
  }

  /** The symbols changed since the last call, as the checkpoint stores them, and the partition's own state. */
  takeChanged(): { partition: PartitionSnapshot; symbols: SymbolSnapshot[] } {
    const symbols = [...this.changed].map((name) => this.snapshotOf(this.symbols.get(name)!));
    this.changed = new Set();
    return { partition: this.partitionSnapshot(), symbols };
  }

  partitionSnapshot(): PartitionSnapshot {
    return { maxTs: Number.isFinite(this.maxTs) ? this.maxTs : null };
  }

  private snapshotOf(s: SymbolState): SymbolSnapshot {
    const bars: Record<string, BarAcc[]> = {};
    this.s.intervals.forEach((iv, k) => {
      if (s.open[k]!.size) bars[iv.name] = [...s.open[k]!.values()];
    });
    return { symbol: s.symbol, bars, rules: s.rules };
  }

  /** Puts back a checkpoint: the partition's state and every symbol's. Open bars of intervals no longer configured are dropped. */
  restore(partition: PartitionSnapshot, symbols: Iterable<SymbolSnapshot>): void {
    this.maxTs = partition.maxTs ?? Number.NEGATIVE_INFINITY;
    for (const snap of symbols) {
      const s: SymbolState = { ...this.newSymbol(snap.symbol), rules: { ...newRuleState(), ...snap.rules } };
      this.s.intervals.forEach((iv, k) => {
        for (const bar of snap.bars[iv.name] ?? []) {
          s.open[k]!.set(bar.start, bar);
          getOrCreate(this.closing[k]!, bar.end, () => new Set()).add(s);
          if (bar.end < this.nextClose) this.nextClose = bar.end;
        }
      });
      this.symbols.set(snap.symbol, s);
    }
    this.changed = new Set();
  }

  symbolCount(): number {
    return this.symbols.size;
  }

  /** Open windows, for progress reports. */
  openWindows(): number {
    let n = 0;
    for (const s of this.symbols.values()) for (const m of s.open) n += m.size;
    return n;
  }
}

/**
 * The window of `interval` that holds the instant `ts`: a sub-day interval's clock window (every tick counts,
 * in session or not), or the trading day's span — undefined when the tick is outside the chosen sessions.
 */
function windowAt(ts: number, interval: Interval, span: SessionSpan | undefined): { start: number; end: number } | undefined {
  return interval.daily ? span : clockWindow(ts, interval);
}
