/**
 * A live status line on stderr while streaming: redrawn in place on a TTY, printed every `plainEveryMs`
 * otherwise (CI logs), silent below log level info. Messages printed through it do not garble the line.
 */
import { enabled } from "../log";

export class StatusLine {
  private timer?: NodeJS.Timeout;
  private readonly tty = Boolean(process.stderr.isTTY);
  private lastPlain = 0;
  private drawn = false;

  constructor(
    private readonly render: () => string,
    private readonly plainEveryMs = 10_000,
  ) {}

  start(): this {
    if (!enabled("info")) return this;
    this.lastPlain = Date.now();
    this.timer = setInterval(() => this.tick(), this.tty ? 250 : 1000);
    this.timer.unref();
    return this;
  }

  private tick(): void {
    if (this.tty) {
      process.stderr.write(`\r\x1b[2K${this.render()}`);
      this.drawn = true;
    } else if (Date.now() - this.lastPlain >= this.plainEveryMs) {
      this.lastPlain = Date.now();
      process.stderr.write(`${this.render()}\n`);
    }
  }

  /** Prints a line above the status line. */
  print(line: string): void {
    if (this.tty && this.drawn) process.stderr.write("\r\x1b[2K");
    process.stderr.write(`${line}\n`);
    if (this.tty && this.timer) this.tick();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.tty && this.drawn) process.stderr.write("\r\x1b[2K");
    this.drawn = false;
  }
}

export function formatRate(n: number): string {
  return n >= 10_000 ? `${Math.round(n / 1000)}k` : n >= 1000 ? `${(n / 1000).toFixed(1)}k` : String(Math.round(n));
}

export function formatElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`
    : s >= 60
      ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`
      : `${(ms / 1000).toFixed(1)}s`;
}
