/**
 * Replay pacing: `speed` keeps the original gaps between event times, scaled (2 = twice as fast); `rate` caps
 * ticks per second; `notBeforeEventTime` holds each tick until the clock reaches its event time (past ticks go at
 * once, future ones when they happen). Sleeps only when at least a millisecond ahead, so high rates do not pay a
 * timer per tick.
 */
import { setTimeout as sleep } from "node:timers/promises";

export class Pacer {
  private firstEvent?: number;
  private startWall = 0;
  private count = 0;

  constructor(
    private readonly speed: number | undefined,
    private readonly rate: number | undefined,
    private readonly notBeforeEventTime = false,
  ) {}

  async wait(eventMs: number, signal: AbortSignal): Promise<void> {
    if (this.speed === undefined && this.rate === undefined && !this.notBeforeEventTime) return;
    const now = performance.now();
    if (this.firstEvent === undefined) {
      this.firstEvent = eventMs;
      this.startWall = now;
    }
    let target = now;
    if (this.speed !== undefined) target = Math.max(target, this.startWall + (eventMs - this.firstEvent) / this.speed);
    if (this.rate !== undefined) target = Math.max(target, this.startWall + (this.count * 1000) / this.rate);
    if (this.notBeforeEventTime) target = Math.max(target, eventMs - performance.timeOrigin);
    this.count++;
    const ahead = target - now;
    // A millisecond of slack: ticks leave at most 1 ms before their time, and a high rate pays about one timer
    // per millisecond, not one per tick.
    if (ahead >= 1) await sleep(ahead, undefined, { signal }).catch(() => {});
  }
}
