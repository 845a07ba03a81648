/**
 * The scaffold of the long-running commands (produce, consume, analyze): Ctrl-C and SIGTERM (the first stops
 * the work cleanly, a second exits at once), `--metrics-port`, a spinner until the work is under way, then the
 * live status line, throttled retry warnings, and everything put back however the work ends.
 */
import { log } from "../log";
import type { Metrics } from "../metrics/metrics";
import { onInterrupt } from "../ui/signals";
import { spinner } from "../ui/spinner";
import { StatusLine } from "../ui/status";
import { retryWarning, startMetrics } from "./common";

export interface LongRunOptions {
  /** The command, for metrics' labels. */
  command: string;
  metricsPort?: string;
  /** What the spinner says until the work is under way; undefined: no spinner until the work calls `spin`. */
  connecting?: string;
  /** Said when a second interrupt exits at once (what was lost). */
  onSecondInterrupt(): string;
  /** What the spinner ends with when the work ends before it went live (nothing to do). */
  idle?: string;
}

export interface LongRun {
  /** Aborted by the first Ctrl-C or SIGTERM. */
  signal: AbortSignal;
  metrics?: Metrics;
  /** The live status line, once the work went live. */
  readonly status: StatusLine | undefined;
  /** Starts the spinner (when none is running yet): the work is getting ready. */
  spin(text: string): void;
  /** The work is under way: the spinner ends with `text` and the live line starts rendering `line` (once). */
  live(text: string, line: () => string): void;
  /** "<what> (<cause>); retry N in Dms, <tail>", at most every 5 s, above the live line. */
  warn: ReturnType<typeof retryWarning>;
}

export async function longRunning<T>(o: LongRunOptions, work: (run: LongRun) => Promise<T>): Promise<T> {
  let status: StatusLine | undefined;
  const interrupt = onInterrupt(() => {
    status?.stop();
    log.error(o.onSecondInterrupt());
  });
  let stopMetrics = async () => {};
  try {
    const served = await startMetrics(o.command, o.metricsPort);
    stopMetrics = served.stop;
    let sp = o.connecting === undefined ? undefined : spinner(o.connecting);
    const run: LongRun = {
      signal: interrupt.signal,
      metrics: served.metrics,
      get status() {
        return status;
      },
      spin(text) {
        sp ??= spinner(text);
      },
      live(text, line) {
        if (status) return;
        sp?.succeed(text);
        status = new StatusLine(line).start();
      },
      warn: retryWarning(() => status),
    };
    try {
      const result = await work(run);
      if (!status && o.idle) sp?.succeed(o.idle);
      return result;
    } catch (err) {
      served.metrics?.errors.inc();
      if (!status) sp?.fail();
      throw err;
    }
  } finally {
    status?.stop();
    interrupt.dispose();
    await stopMetrics();
  }
}
