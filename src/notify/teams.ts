/** Microsoft Teams workflow webhooks: a message with one Adaptive Card (1.4) attachment. */
import { type Wording, wording } from "./format";
import { CHAT_RATE_PER_MINUTE, httpKit } from "./kit";

export function teamsMessage(w: Wording): unknown {
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

export const teams = httpKit({
  kind: "teams",
  summary: "a Microsoft Teams workflow webhook (an Adaptive Card)",
  body: (g, ctx) => teamsMessage(wording(g, ctx)),
  defaultRate: CHAT_RATE_PER_MINUTE,
});
