/** Where a consumer group starts (earliest, latest or a time), and moving it there (reset). */
import type { Admin } from "kafkajs";
import { fieldError, RuntimeError, UsageError } from "../../errors";
import { withCoordinator } from "../../kafka/coordinator";

export type From = "earliest" | "latest" | number;

export function parseFrom(from: string): From {
  if (from === "earliest" || from === "latest") return from;
  const ms = Date.parse(from);
  if (Number.isNaN(ms)) throw fieldError(UsageError, (n) => [`${n("from")} ${from} must be earliest, latest or an ISO-8601 time`]);
  return ms;
}

export type GroupAdmin = Pick<Admin, "fetchOffsets" | "resetOffsets" | "fetchTopicOffsetsByTimestamp" | "setOffsets">;

/**
 * Sets the group's starting offsets when it has none (or always, with reset). A group with no offsets starting at
 * earliest or latest needs nothing set: the subscription's fromBeginning covers it, and setting offsets would fail while
 * a crashed member of the group is still waiting out its session.
 */
export async function positionGroup(admin: GroupAdmin, topic: string, group: string, from: From, reset: boolean): Promise<void> {
  const committed =
    (await withCoordinator(`read group ${group}'s offsets`, () => admin.fetchOffsets({ groupId: group, topics: [topic] })))[0]
      ?.partitions ?? [];
  const hasOffsets = committed.some((p) => Number(p.offset) >= 0);
  if (hasOffsets && !reset) return;
  // Nothing committed: the subscription's fromBeginning starts it at earliest or latest, reset or not. (Moving a
  // group makes kafkajs join it with a paused consumer and wait out a whole fetch, ~5 s.)
  if (!hasOffsets && (from === "earliest" || from === "latest")) return;
  try {
    if (from === "earliest" || from === "latest") {
      await withCoordinator(`move group ${group}`, () => admin.resetOffsets({ groupId: group, topic, earliest: from === "earliest" }));
    } else {
      const offsets = await admin.fetchTopicOffsetsByTimestamp(topic, from);
      await withCoordinator(`move group ${group}`, () =>
        admin.setOffsets({ groupId: group, topic, partitions: offsets.map((o) => ({ partition: o.partition, offset: o.offset })) }),
      );
    }
  } catch (err) {
    if (/running instances/.test((err as Error).message)) {
      throw new RuntimeError(
        `cannot move group ${group} to ${typeof from === "number" ? new Date(from).toISOString() : from}: it has members (a running consumer, or a crashed one whose session has not expired yet)`,
        { hint: "stop the other consumers of this group, or wait for the session timeout (30 s) and try again" },
      );
    }
    throw err;
  }
}
