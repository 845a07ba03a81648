import type { CommandContext } from "../commands/context";
import { withAdmin } from "../kafka/topics";
import { printRows } from "../ui/output";

export async function topicLag(ctx: CommandContext, topic: string, group: string): Promise<void> {
  const rows = await withAdmin(ctx, `read the lag of group ${group} on ${topic}`, async (admin) => {
    const [committed, latest] = await Promise.all([admin.fetchOffsets({ groupId: group, topics: [topic] }), admin.fetchTopicOffsets(topic)]);
    const byPartition = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    return latest
      .map((p) => {
        const c = byPartition.get(p.partition) ?? -1;
        const start = c >= 0 ? c : Number(p.low);
        return { partition: p.partition, committed: c >= 0 ? c : null, latest: Number(p.high), lag: Math.max(0, Number(p.high) - start) };
      })
      .sort((a, b) => a.partition - b.partition);
  });
  printRows(rows, [{ key: "partition", align: "right" }, { key: "committed", align: "right" }, { key: "latest", align: "right" }, { key: "lag", align: "right" }], ctx.format);
  if (ctx.format === "table") process.stderr.write(`group ${group} on ${topic}: total lag ${rows.reduce((n, r) => n + r.lag, 0).toLocaleString("en-US")}\n`);
}
