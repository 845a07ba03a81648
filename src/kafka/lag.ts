import type { Admin } from "kafkajs";

export interface PartitionLag {
  partition: number;
  /** The group's committed offset, or null when it has none (it would start at the earliest). */
  committed: number | null;
  latest: number;
  lag: number;
}

/** Committed offset, latest offset and lag per partition of `topic` for `group`. */
export async function partitionLag(admin: Admin, topic: string, group: string): Promise<PartitionLag[]> {
  const [committed, latest] = await Promise.all([admin.fetchOffsets({ groupId: group, topics: [topic] }), admin.fetchTopicOffsets(topic)]);
  const byPartition = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  return latest
    .map((p) => {
      const c = byPartition.get(p.partition) ?? -1;
      const start = c >= 0 ? c : Number(p.low);
      return { partition: p.partition, committed: c >= 0 ? c : null, latest: Number(p.high), lag: Math.max(0, Number(p.high) - start) };
    })
    .sort((a, b) => a.partition - b.partition);
}
