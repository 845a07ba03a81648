import { describe, expect, it } from "vitest";
import type { Alert } from "../../../src/model/alert";
import { discordMessage } from "../../../src/notify/discord";
import { largest, moveText, whenText, wording } from "../../../src/notify/format";
import { slackMessage } from "../../../src/notify/slack";

const alert = (symbol: string, rule: string, value: number, threshold = 2, severity: Alert["severity"] = "warning"): Alert => ({
  symbol,
  rule,
  severity,
  ts: "2024-07-01T13:30:05.000Z",
  value,
  threshold,
  message: `${symbol} moved`,
  id: `${symbol}-${rule}`,
});
const ctx = { timeZone: "America/New_York" };

describe("alert messages", () => {
  it("word the move as a trader reads it, and the time in the market's zone with its abbreviation", () => {
    expect(moveText(alert("A", "priceMove", 4.2))).toBe("+4.20%");
    expect(moveText(alert("A", "openingGap", -1.234))).toBe("-1.23%");
    expect(moveText(alert("A", "zScore", 3.04))).toBe("z +3.0");
    expect(moveText(alert("A", "volumeSpike", 12.34))).toBe("12.3× volume");
    expect(whenText("2024-07-01T13:30:05.000Z", "America/New_York")).toBe("2024-07-01 09:30:05 EDT");
    expect(whenText("2024-01-02T01:30:00.000Z", "Asia/Hong_Kong")).toBe("2024-01-02 09:30:00 GMT+8");
  });

  it("count a group by rule and name the alert furthest past its threshold", () => {
    const g = [alert("S1", "openingGap", 2.5), alert("S2", "openingGap", -4), alert("S3", "zScore", 5, 3)];
    expect(largest(g).symbol).toBe("S2");
    const w = wording({ destination: "d", alerts: g, suppressed: 2, key: "k" }, { ...ctx, dashboardUrl: "https://x.example/" });
    expect(w.title).toBe("⚠️ 3 alerts (2 openingGap, 1 zScore), largest: S2 -4.00% (2 repeats left out)");
    expect(w.link).toBe("https://x.example/#symbol=S2");
    expect(w.lines[0]).toBe("S1 openingGap +2.50% · 2024-07-01 09:30:05 EDT");
    const many = Array.from({ length: 14 }, (_, i) => alert(`S${i}`, "openingGap", 2 + i));
    const lines = wording({ destination: "d", alerts: many, suppressed: 0, key: "k" }, ctx).lines;
    expect(lines).toHaveLength(11);
    expect(lines[10]).toBe("… and 4 more");
  });

  it("escape Slack's control characters and keep Discord within its limits", () => {
    const a = { ...alert("A", "priceMove", 3), message: "<b> & co" };
    const one = { destination: "d", alerts: [a], suppressed: 0, key: a.id };
    const slack = slackMessage(wording(one, ctx)) as {
      blocks: { text: { text: string } }[];
    };
    expect(slack.blocks[0]!.text.text).toContain("&lt;b&gt; &amp; co");
    const long = { ...a, message: "x".repeat(5000) };
    const group = { destination: "d", alerts: [long], suppressed: 0, key: a.id };
    const discord = discordMessage(wording(group, ctx), group) as {
      embeds: { description: string }[];
    };
    expect(discord.embeds[0]!.description.length).toBe(4096);
  });
});
