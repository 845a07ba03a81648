/** What `produce` shows: rejected rows as they come, a feed's connection news, and the summary. */
import { RuntimeError } from "../../errors";
import { chalk } from "../../log";
import type { FeedCounts } from "../../pipeline/produce/produce";
import type { GapReport } from "../../sources/feeds/types";
import type { Rejected } from "../../sources/types";
import { printRecord } from "../../ui/output";
import type { StatusLine } from "../../ui/status";
import type { CommandContext } from "../context";

export interface ProduceSummary {
  source: string;
  topic: string;
  sent: number;
  rejected: number;
  rejectedByReason: Record<string, number>;
  skippedOutsideRange: number;
  seconds: number;
  ticksPerSecond: number;
  stoppedBy: "end of input" | "limit" | "duration" | "interrupted";
  /** The process's largest resident set, MB. */
  peakRssMb: number;
  /** A live feed's connections, reconnections and gaps. */
  feed?: FeedCounts;
}

const SHOWN_REJECTS = 5;

/**
 * A gap and what its repair did: "BTC-USD: trade ids 1010–1012 never arrived; 3 repaired (2 REST calls)", or
 * "…; 1 of 3 repaired, 2 still missing (HTTP 500 …)". A warning while the gap is not whole again.
 */
export function gapLine(g: GapReport): { text: string; warning: boolean } {
  const calls = `${g.calls} REST call${g.calls === 1 ? "" : "s"}`;
  if (g.complete) return { text: `${g.detail}; ${g.repaired} repaired (${calls})`, warning: false };
  if (g.repaired === 0 && g.calls === 0)
    return {
      text: `${g.missed ? `${g.missed} messages missed` : "messages may be missing"} (${g.detail}${g.why ? `; ${g.why}` : ""})`,
      warning: true,
    };
  const still = g.left ? `${g.repaired} of ${g.missed} repaired, ${g.left} still missing` : `${g.repaired} repaired, maybe not all`;
  return { text: `${g.detail}; ${still} (${g.why ?? "unknown"}; ${calls})`, warning: true };
}

/** A feed's connection news, above the live line (or on stderr before it starts). */
export function feedLine(status: StatusLine | undefined, text: string, warning = false): void {
  const line = `${warning ? chalk.yellow("feed") : chalk.dim("feed")} ${text}`;
  if (status) status.print(line);
  else process.stderr.write(`${line}\n`);
}

/** Shows the first few rejected rows (every one goes to --reject-file), or stops at the first with --strict. */
export function onRejected(item: Rejected, nth: number, status: StatusLine | undefined, toFile: boolean, strict: boolean): void {
  const where = item.line !== undefined ? `line ${item.line}` : (item.url ?? "input");
  if (strict)
    throw new RuntimeError(`${where}: ${item.detail} (--strict stops at the first bad row)`, {
      hint: "fix the row, or drop --strict to skip bad rows and count them",
    });
  if (nth <= SHOWN_REJECTS) status?.print(`${chalk.yellow("rejected")} ${where}: ${item.detail}`);
  else if (nth === SHOWN_REJECTS + 1)
    status?.print(
      `${chalk.yellow("rejected")} more rows…${toFile ? " (all of them go to --reject-file)" : " (pass --reject-file PATH to keep them all)"}`,
    );
}

export function printSummary(ctx: CommandContext, s: ProduceSummary, dryRun: boolean): void {
  if (ctx.format === "json") {
    (dryRun ? process.stderr : process.stdout).write(`${JSON.stringify(s, null, 2)}\n`);
    return;
  }
  const reasons = Object.entries(s.rejectedByReason)
    .sort((a, b) => b[1] - a[1])
    .map(([r, n]) => `${n} ${r}`)
    .join(", ");
  const lines = [
    `${chalk.green("✔")} ${dryRun ? "wrote" : "sent"} ${s.sent.toLocaleString("en-US")} ticks from ${s.source} ${dryRun ? "to stdout (dry run)" : `to ${s.topic}`} in ${s.seconds}s (${s.ticksPerSecond.toLocaleString("en-US")}/s); stopped: ${s.stoppedBy}`,
    `  rejected ${s.rejected}${reasons ? ` (${reasons})` : ""}${s.skippedOutsideRange ? `; ${s.skippedOutsideRange} outside --from/--to` : ""}`,
  ];
  if (s.feed)
    lines.push(
      `  feed: ${s.feed.connections} connection${s.feed.connections === 1 ? "" : "s"}, ${s.feed.reconnects} reconnection attempt${s.feed.reconnects === 1 ? "" : "s"}, ${s.feed.gaps ? `${s.feed.gaps} gap${s.feed.gaps === 1 ? "" : "s"} (${s.feed.repaired} trades repaired in ${s.feed.restCalls} REST calls; ${s.feed.gapsLeft} not whole, ${s.feed.missed} trades known missing)` : "no gaps"}, ${s.feed.duplicates} trades sent again skipped`,
    );
  if (dryRun || ctx.format === "table") process.stderr.write(`${lines.join("\n")}\n`);
  else printRecord(s as unknown as Record<string, unknown>, ctx.format);
}
