import { describe, expect, it } from "vitest";
import { type GroupAdmin, parseFrom, positionGroup } from "../../../../src/pipeline/group/position";

function admin(committed: number[], fail?: Error) {
  const calls: string[] = [];
  const a = {
    fetchOffsets: async () => [
      { topic: "t", partitions: committed.map((offset, partition) => ({ partition, offset: String(offset), metadata: null })) },
    ],
    resetOffsets: async (o: { earliest: boolean }) => {
      if (fail) throw fail;
      calls.push(`reset ${o.earliest ? "earliest" : "latest"}`);
    },
    fetchTopicOffsetsByTimestamp: async (_t: string, ts: number) => [{ partition: 0, offset: String(ts % 1000) }],
    setOffsets: async (o: { partitions: { partition: number; offset: string }[] }) =>
      void calls.push(`set ${o.partitions.map((p) => `${p.partition}:${p.offset}`).join()}`),
  };
  return { admin: a as unknown as GroupAdmin, calls };
}

describe("group positioning", () => {
  it("leaves a group with committed offsets alone unless reset", async () => {
    const a = admin([5, 7]);
    await positionGroup(a.admin, "t", "g", "earliest", false);
    expect(a.calls).toEqual([]);
    await positionGroup(a.admin, "t", "g", "latest", true);
    expect(a.calls).toEqual(["reset latest"]);
  });

  it("sets nothing for a new group at earliest or latest, and the offsets at a time for --from <ISO>", async () => {
    const a = admin([-1, -1]);
    await positionGroup(a.admin, "t", "g", "earliest", false);
    // Reset too: a group with nothing committed starts where its subscription says, with no group move (~5 s).
    await positionGroup(a.admin, "t", "g", "earliest", true);
    await positionGroup(a.admin, "t", "g", "latest", true);
    expect(a.calls).toEqual([]);
    await positionGroup(a.admin, "t", "g", parseFrom("2024-01-02T00:00:00.123Z"), false);
    expect(a.calls).toEqual(["set 0:123"]);
  });

  it("explains a group that cannot be moved while it has members", async () => {
    const a = admin([3], new Error("The consumer group has running instances"));
    await expect(positionGroup(a.admin, "t", "g", "earliest", true)).rejects.toThrow(/cannot move group g to earliest: it has members/);
  });

  it("parses --from", () => {
    expect(parseFrom("earliest")).toBe("earliest");
    expect(parseFrom("2024-01-02T00:00:00Z")).toBe(Date.UTC(2024, 0, 2));
    expect(() => parseFrom("yesterday")).toThrow("from yesterday must be earliest, latest or an ISO-8601 time");
  });
});
