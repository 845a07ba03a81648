/**
 * When a partial batch leaves: `ms` after the first message waits, or — with `ms` 0 — at the end of the current
 * turn of the event loop, so what arrived in the same turn leaves together and nothing waits for a timer. One
 * pending run at a time; the producer and the worker pool both batch with it.
 */
export class Linger {
  private timer?: NodeJS.Timeout;
  private immediate?: NodeJS.Immediate;

  constructor(
    private readonly ms: number,
    private readonly run: () => void,
  ) {}

  /** Schedules the run unless one is pending. */
  arm(): void {
    if (this.timer || this.immediate) return;
    if (this.ms === 0)
      this.immediate = setImmediate(() => {
        this.immediate = undefined;
        this.run();
      });
    else
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.run();
      }, this.ms);
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }
}
