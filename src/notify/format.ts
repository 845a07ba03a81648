/**
 * Each destination's message in its own format, readable on a phone: the symbol, the rule, the move, the time in
 * the market's zone and, when the dashboard has an address, a link to the symbol's chart. One alert makes one
 * message; a group makes one message that counts them and names the largest.
 *
 * - Slack incoming webhook: `text` (the notification's line) and Block Kit `blocks`.
 * - Microsoft Teams workflow webhook: a message with one Adaptive Card (1.4) attachment.
 * - Discord webhook: `content` and one embed (title ≤ 256, description ≤ 4096 characters).
 * - Generic webhook: `{type: "stockpipe.alerts", key, destination, count, suppressed, alerts: [alert v1 …]}`.
 */
import type { Alert } from "../model/alert";
import { wallClockText } from "../model/time";
import type { AlertGroup, HttpKind, MessageContext } from "./types";

const MAX_LINES = 10;
const ICON = { info: "ℹ️", warning: "⚠️", critical: "🚨" } as const;
const COLOR = { info: 0x3b82f6, warning: 0xf59e0b, critical: 0xef4444 } as const;

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

/** The JSON body of a group's message to a destination of `kind`. */
export function messageBody(kind: HttpKind, g: AlertGroup, ctx: MessageContext): unknown {
  if (kind === "webhook")
    return {
      type: "stockpipe.alerts",
      key: g.key,
      destination: g.destination,
      count: g.alerts.length,
      suppressed: g.suppressed,
      alerts: g.alerts,
    };
  const w = wording(g, ctx);
  if (kind === "slack") return slack(w);
  if (kind === "teams") return teams(w);
  return discord(w, g);
}

function slack(w: Wording): unknown {
  const blocks: unknown[] = [
    { type: "section", text: { type: "mrkdwn", text: `*${escapeSlack(w.title)}*\n${w.lines.map(escapeSlack).join("\n")}` } },
  ];
  if (w.link)
    blocks.push({ type: "actions", elements: [{ type: "button", text: { type: "plain_text", text: `${w.symbol} chart` }, url: w.link }] });
  return { text: w.title, blocks };
}

/** Slack's three control characters, escaped as its docs ask. */
function escapeSlack(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function teams(w: Wording): unknown {
  const color = w.severity === "critical" ? "Attention" : w.severity === "warning" ? "Warning" : "Accent";
  const card: Record<string, unknown> = {
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    type: "AdaptiveCard",
    version: "1.4",
    body: [
      { type: "TextBlock", text: w.title, weight: "Bolder", size: "Medium", color, wrap: true },
      ...w.lines.map((text) => ({ type: "TextBlock", text, wrap: true, spacing: "Small" })),
    ],
  };
  if (w.link) card.actions = [{ type: "Action.OpenUrl", title: `${w.symbol} chart`, url: w.link }];
  return { type: "message", attachments: [{ contentType: "application/vnd.microsoft.card.adaptive", contentUrl: null, content: card }] };
}

function discord(w: Wording, g: AlertGroup): unknown {
  const embed: Record<string, unknown> = {
    title: w.title.slice(0, 256),
    description: w.lines.join("\n").slice(0, 4096),
    color: COLOR[w.severity],
    timestamp: g.alerts[g.alerts.length - 1]!.ts,
  };
  if (w.link) embed.url = w.link;
  return { content: w.title.slice(0, 2000), embeds: [embed], allowed_mentions: { parse: [] } };
}
