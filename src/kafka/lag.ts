import kafkajs, { type Admin } from "kafkajs";
import { withCoordinator } from "./coordinator";

const { AssignerProtocol } = kafkajs;

export interface PartitionLag {
  partition: number;
  /** The group's committed offset, or null when it has none (it would start at the earliest). */
  committed: number | null;
  latest: number;
  lag: number;
  /** The group member the partition is assigned to now (null when the group has no active member for it). */
  member: string | null;
  /** The host that member connected from. */
  host: string | null;
}

/** Which member of `group` holds each partition of `topic` now, from the group's description. */
export async function groupAssignment(admin: Admin, topic: string, group: string): Promise<Map<number, { member: string; host: string }>> {
  const out = new Map<number, { member: string; host: string }>();
  const { groups } = await withCoordinator(`describe group ${group}`, () => admin.describeGroups([group]));
  for (const m of groups[0]?.members ?? []) {
    if (!m.memberAssignment?.length) continue;
    const decoded = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
    for (const p of decoded?.assignment[topic] ?? []) out.set(p, { member: m.memberId, host: m.clientHost.replace(/^\//, "") });
  }
  return out;
}

/** Committed offset, latest offset and lag per partition of `topic` for `group`. */
export async function partitionLag(admin: Admin, topic: string, group: string): Promise<PartitionLag[]> {
  const [committed, latest, assigned] = await Promise.all([
    withCoordinator(`read group ${group}'s offsets`, () => admin.fetchOffsets({ groupId: group, topics: [topic] })),
    admin.fetchTopicOffsets(topic),
    groupAssignment(admin, topic, group),
  ]);
  const byPartition = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  return latest
    .map((p) => {
      const c = byPartition.get(p.partition) ?? -1;
      const start = c >= 0 ? c : Number(p.low);
      const a = assigned.get(p.partition);
      return {
        partition: p.partition,
        committed: c >= 0 ? c : null,
        latest: Number(p.high),
        lag: Math.max(0, Number(p.high) - start),
        member: a?.member ?? null,
        host: a?.host ?? null,
      };
    })
    .sort((a, b) => a.partition - b.partition);
}

/** The topics `group` has committed offsets for. */
export async function groupTopics(admin: Admin, group: string): Promise<string[]> {
  const offsets = await withCoordinator(`read group ${group}'s offsets`, () => admin.fetchOffsets({ groupId: group }));
  return offsets
    .filter((t) => t.partitions.some((p) => Number(p.offset) >= 0))
    .map((t) => t.topic)
    .sort();
}
