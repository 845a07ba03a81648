/** Slack's incoming webhooks: `text` (the notification's line) and Block Kit `blocks`, with a button to the chart. */
import { type Wording, wording } from "./format";
import { CHAT_RATE_PER_MINUTE, httpKit } from "./kit";

export function slackMessage(w: Wording): unknown {
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

export const slack = httpKit({
  kind: "slack",
  summary: "a Slack incoming webhook (Block Kit message, a button to the symbol's chart)",
  body: (g, ctx) => slackMessage(wording(g, ctx)),
  defaultRate: CHAT_RATE_PER_MINUTE,
});
