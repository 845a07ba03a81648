/** Pieces several commands share. */

import { UsageError } from "../errors";
import { chalk, log } from "../log";
import { parseDuration } from "../model/time";
import type { StatusLine } from "../ui/status";
import { throttle } from "../util/retry";

/** How often a repeated retry warning is printed at most. */
export const RETRY_WARNING_MS = 5000;

/**
 * The one retry warning: "<what> (<cause>); retry N in Dms, nothing committed past it", at most every 5 s,
 * above the live status line when there is one.
 */
export function retryWarning(
  status: () => StatusLine | undefined,
): (what: string, err: Error, attempt: number, delayMs: number, tail?: string) => void {
  return throttle(RETRY_WARNING_MS, (what: string, err: Error, attempt: number, delayMs: number, tail = "nothing committed past it") => {
    const message = `${what} (${err.message.split("\n")[0]}); retry ${attempt} in ${delayMs}ms, ${tail}`;
    const line = status();
    if (line) line.print(`${chalk.yellow("warning")} ${message}`);
    else log.warn(message);
  });
}

/** A duration flag (10s, 500ms, 2m) as milliseconds for its config field. */
export function durationFlag(value: string | undefined, name: string, allowZero = false): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === undefined || (!allowZero && ms === 0)) throw new UsageError(`${name} ${value} must be a duration such as 10s or 500ms`);
  return ms;
}
