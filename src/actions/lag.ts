import type { CommandContext } from "../commands/context";
import { partitionLag } from "../kafka/lag";
import { withAdmin } from "../kafka/topics";
import { printRows } from "../ui/output";

export async function topicLag(ctx: CommandContext, topic: string, group: string): Promise<void> {
  const rows = await withAdmin(ctx, `read the lag of group ${group} on ${topic}`, (admin) => partitionLag(admin, topic, group));
  printRows(rows as unknown as Record<string, unknown>[], [{ key: "partition", align: "right" }, { key: "committed", align: "right" }, { key: "latest", align: "right" }, { key: "lag", align: "right" }], ctx.format);
  if (ctx.format === "table") process.stderr.write(`group ${group} on ${topic}: total lag ${rows.reduce((n, r) => n + r.lag, 0).toLocaleString("en-US")}\n`);
}
