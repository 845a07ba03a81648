/**
 * The words of an alert message, which each destination kind puts in its own format (slack.ts, teams.ts,
 * discord.ts, mail.ts), readable on a phone: the symbol, the rule, the move, the time in the market's zone and,
 * when the dashboard has an address, a link to the symbol's chart. One alert makes one message; a group makes one
 * message that counts them and names the largest.
 */
import type { Alert } from "../model/alert";
import { wallClockText } from "../model/time";
import type { AlertGroup, MessageContext } from "./types";

const MAX_LINES = 10;
const ICON = { info: "ℹ️", warning: "⚠️", critical: "🚨" } as const;

/** The move as a trader reads it: a percent for moves and gaps, a ratio for volume, a z-score. */
export function moveText(a: Alert): string {
  const v = a.value;
  if (a.rule === "volumeSpike") return `${v.toFixed(1)}× volume`;
  if (a.rule === "zScore") return `z ${v >= 0 ? "+" : ""}${v.toFixed(1)}`;
  return `${v >= 0 ? "+" : ""}${v.toFixed(2)}%`;
}

/** `2024-01-02 09:31:07 EST`: the alert's time in the market's zone. */
export function whenText(iso: string, timeZone: string): string {
  return wallClockText(Date.parse(iso), timeZone);
}

export function chartUrl(symbol: string, ctx: MessageContext): string | undefined {
  return ctx.dashboardUrl ? `${ctx.dashboardUrl.replace(/\/+$/, "")}/#symbol=${encodeURIComponent(symbol)}` : undefined;
}

/** The most severe severity of a group. */
function worst(alerts: Alert[]): Alert["severity"] {
  return alerts.some((a) => a.severity === "critical") ? "critical" : alerts.some((a) => a.severity === "warning") ? "warning" : "info";
}

/** The alert furthest past its threshold. */
export function largest(alerts: Alert[]): Alert {
  const ratio = (a: Alert) => Math.abs(a.value) / Math.max(Math.abs(a.threshold), Number.MIN_VALUE);
  return alerts.reduce((best, a) => (ratio(a) > ratio(best) ? a : best));
}

/** The words every format shares: a title, the lines under it, and the link. */
export interface Wording {
  title: string;
  lines: string[];
  severity: Alert["severity"];
  link?: string;
  /** The symbol the link shows. */
  symbol: string;
}

export function wording(g: AlertGroup, ctx: MessageContext): Wording {
  const repeats = g.suppressed ? ` (${g.suppressed} repeat${g.suppressed === 1 ? "" : "s"} left out)` : "";
  if (g.alerts.length === 1) {
    const a = g.alerts[0]!;
    return {
      title: `${ICON[a.severity]} ${a.symbol} ${a.rule} ${moveText(a)}${repeats}`,
      lines: [a.message, `${whenText(a.ts, ctx.timeZone)} · ${a.severity}`],
      severity: a.severity,
      link: chartUrl(a.symbol, ctx),
      symbol: a.symbol,
    };
  }
  const byRule = new Map<string, number>();
  for (const a of g.alerts) byRule.set(a.rule, (byRule.get(a.rule) ?? 0) + 1);
  const rules = [...byRule].sort((x, y) => y[1] - x[1]);
  const what =
    rules.length === 1
      ? `${g.alerts.length} ${rules[0]![0]} alerts`
      : `${g.alerts.length} alerts (${rules.map(([r, n]) => `${n} ${r}`).join(", ")})`;
  const top = largest(g.alerts);
  const severity = worst(g.alerts);
  const lines = g.alerts.slice(0, MAX_LINES).map((a) => `${a.symbol} ${a.rule} ${moveText(a)} · ${whenText(a.ts, ctx.timeZone)}`);
  if (g.alerts.length > MAX_LINES) lines.push(`… and ${g.alerts.length - MAX_LINES} more`);
  return {
    title: `${ICON[severity]} ${what}, largest: ${top.symbol} ${moveText(top)}${repeats}`,
    lines,
    severity,
    link: chartUrl(top.symbol, ctx),
    symbol: top.symbol,
  };
}
