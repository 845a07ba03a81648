/** Consumer groups: listing them with their state and members, and deleting those that have none. */
import type { LoadedConfig } from "../config/loader";
import { closest } from "../config/suggest";
import { RuntimeError } from "../errors";
import { withAdmin } from "./topics";

export interface GroupSummary {
  group: string;
  state: string;
  members: number;
}

/** Consumer groups (not stockpipe's own throwaway readers), those starting with `prefix` when given; sorted. */
export async function listGroups(loaded: LoadedConfig, prefix?: string): Promise<GroupSummary[]> {
  return withAdmin(loaded, "list consumer groups", async (admin) => {
    const ids = (await admin.listGroups()).groups
      .filter((g) => g.protocolType === "consumer" || g.protocolType === "")
      .map((g) => g.groupId)
      .filter((id) => !id.startsWith("stockpipe-reader-") && (!prefix || id.startsWith(prefix)))
      .sort();
    if (ids.length === 0) return [];
    const described = (await admin.describeGroups(ids)).groups;
    // Kafka answers in its own order.
    return described
      .map((g) => ({ group: g.groupId, state: g.state, members: g.members.length }))
      .sort((a, b) => a.group.localeCompare(b.group));
  });
}

/**
 * Deletes the named groups (each must exist) and every group starting with `prefix`. A group with members is not
 * deleted: Kafka refuses it, and the error names them.
 */
export async function deleteGroups(loaded: LoadedConfig, groups: readonly string[]): Promise<void> {
  await withAdmin(loaded, `delete ${groups.length === 1 ? `group ${groups[0]}` : `${groups.length} groups`}`, async (admin) => {
    const described = (await admin.describeGroups([...groups])).groups;
    const busy = described.filter((g) => g.members.length > 0).map((g) => g.groupId);
    if (busy.length)
      throw new RuntimeError(`cannot delete ${busy.join(", ")}: ${busy.length === 1 ? "it has" : "they have"} running members`, {
        hint: "stop the consumers of the group first (a crashed one leaves after its 30 s session)",
      });
    await admin.deleteGroups([...groups]);
  });
}

/** The named groups (each must exist) and every group starting with `prefix`. */
export async function groupsToDelete(loaded: LoadedConfig, names: readonly string[], prefix?: string): Promise<string[]> {
  const all = (await listGroups(loaded)).map((g) => g.group);
  for (const name of names)
    if (!all.includes(name)) {
      const guess = closest(name, all);
      throw new RuntimeError(`consumer group ${name} does not exist`, {
        hint: guess ? `did you mean ${guess}? (\`stockpipe group list\` shows them all)` : "`stockpipe group list` shows the groups",
      });
    }
  const byPrefix = prefix ? all.filter((g) => g.startsWith(prefix)) : [];
  return [...new Set([...names, ...byPrefix])].sort();
}
