/** Discord webhooks: `content` and one embed (title ≤ 256, description ≤ 4096 characters), no mentions. */
import { type Wording, wording } from "./format";
import { CHAT_RATE_PER_MINUTE, httpKit } from "./kit";
import type { AlertGroup } from "./types";

const COLOR = { info: 0x3b82f6, warning: 0xf59e0b, critical: 0xef4444 } as const;

export function discordMessage(w: Wording, g: AlertGroup): unknown {
  const embed: Record<string, unknown> = {
    title: w.title.slice(0, 256),
    description: w.lines.join("\n").slice(0, 4096),
    color: COLOR[w.severity],
    timestamp: g.alerts[g.alerts.length - 1]!.ts,
  };
  if (w.link) embed.url = w.link;
  return { content: w.title.slice(0, 2000), embeds: [embed], allowed_mentions: { parse: [] } };
}

export const discord = httpKit({
  kind: "discord",
  summary: "a Discord webhook (one embed)",
  body: (g, ctx) => discordMessage(wording(g, ctx), g),
  defaultRate: CHAT_RATE_PER_MINUTE,
});
