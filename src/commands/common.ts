/** Pieces several commands share. */

import { RuntimeError, UsageError } from "../errors";
import { chalk, log } from "../log";
import type { Metrics } from "../metrics/metrics";
import { parseDuration } from "../model/time";
import { withSpinner } from "../ui/spinner";
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

/** The largest resident set this process has had so far, in MB (the kernel's high-water mark, worker threads included). */
export function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

/** A duration flag (10s, 500ms, 2m) as milliseconds for its config field. */
export function durationFlag(value: string | undefined, name: string, allowZero = false): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === undefined || (!allowZero && ms === 0)) throw new UsageError(`${name} ${value} must be a duration such as 10s or 500ms`);
  return ms;
}

/** `[host:]port` of a listening flag; the host defaults to loopback. */
export function listenFlag(value: string, name: string, defaultHost = "127.0.0.1"): { host: string; port: number } {
  const m = /^(?:(.+):)?(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[2]) : Number.NaN;
  if (!m || port > 65_535) throw new UsageError(`${name} ${value} must be a port (0–65535), optionally with a host: 9464 or 0.0.0.0:9464`);
  return { host: m[1]?.replace(/^\[(.*)\]$/, "$1") ?? defaultHost, port };
}

/** A listen failure (port taken, not allowed, no such address) as one line naming the flag to change. */
export function listenError(err: unknown, host: string, port: number, name: string): RuntimeError {
  const code = (err as NodeJS.ErrnoException).code;
  const where = `${host}:${port}`;
  if (code === "EADDRINUSE")
    return new RuntimeError(`port ${port} on ${host} is in use`, { hint: `stop what listens there, or pass another ${name}` });
  if (code === "EACCES")
    return new RuntimeError(`not allowed to listen on ${where}`, { hint: `ports below 1024 need privileges: pass another ${name}` });
  if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND")
    return new RuntimeError(`cannot listen on ${where}: no such address on this machine`, {
      hint: `pass an address of this machine to ${name}`,
    });
  return new RuntimeError(`cannot listen on ${where}: ${(err as Error).message}`);
}

/** `--metrics-port`: serves Prometheus metrics while the command runs (nothing when the flag is absent). */
export async function startMetrics(command: string, flagValue: string | undefined): Promise<{ metrics?: Metrics; stop(): Promise<void> }> {
  if (flagValue === undefined) return { stop: async () => {} };
  const { host, port } = listenFlag(flagValue, "--metrics-port");
  const { Metrics, serveMetrics } = await import("../metrics/metrics");
  const metrics = new Metrics(command);
  let served: Awaited<ReturnType<typeof serveMetrics>>;
  try {
    served = await serveMetrics(metrics, port, host);
  } catch (err) {
    throw listenError(err, host, port, "--metrics-port");
  }
  log.info(`metrics at http://${host.includes(":") ? `[${host}]` : host}:${served.port}/metrics`);
  return {
    metrics,
    stop: () =>
      new Promise<void>((resolve) => {
        served.server.closeAllConnections();
        served.server.close(() => resolve());
      }),
  };
}

/**
 * Asks before deleting `items` (topics, groups, a lake prefix's files): on a terminal, the list and a typed
 * confirmation (the name for one, `yes` for several); elsewhere only with --yes.
 */
export async function confirmDeletion(what: string, items: readonly string[], yes: boolean, consequence = ""): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY) throw new UsageError(`refusing to delete ${what} without confirmation`, { hint: "pass --yes" });
  if (items.length > 1) process.stderr.write(`${items.map((t) => `  ${t}`).join("\n")}\n`);
  const { createInterface } = await import("node:readline/promises");
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const word = items.length === 1 ? items[0]! : "yes";
  const answer = await rl.question(`Delete ${what}${consequence}? Type ${items.length === 1 ? "its name" : "yes"} to confirm: `);
  rl.close();
  if (answer.trim() !== word) throw new RuntimeError("not confirmed; nothing deleted");
}

/**
 * `<kind> delete [names…] [--prefix p]`: the named items and those starting with the prefix, listed, confirmed and
 * deleted in one call (topics, consumer groups).
 */
export async function deleteSelected(o: {
  kind: "topic" | "group";
  /** How an item is named where none matched: "topic", "consumer group". */
  noun: string;
  names: string[];
  prefix: string | undefined;
  yes: boolean;
  consequence: string;
  example: string;
  select(names: string[], prefix: string | undefined): Promise<string[]>;
  remove(items: string[]): Promise<void>;
}): Promise<void> {
  if (o.names.length === 0 && !o.prefix)
    throw new UsageError(`name the ${o.kind}s to delete, or give --prefix`, { hint: `e.g. \`${o.example}\`` });
  if (o.prefix === "") throw new UsageError(`--prefix must not be empty: it would select every ${o.kind}`);
  const items = await o.select(o.names, o.prefix);
  if (items.length === 0) {
    log.info(`no ${o.noun} starts with ${o.prefix}: nothing deleted`);
    return;
  }
  const what = items.length === 1 ? `${o.kind} ${items[0]}` : `${items.length} ${o.kind}s`;
  await confirmDeletion(what, items, o.yes, o.consequence);
  await withSpinner(
    `deleting ${what}`,
    () => o.remove(items),
    () => `deleted ${what}${items.length > 1 ? `: ${items.join(", ")}` : ""}`,
  );
}
