/**
 * Scale-out: several `consume` processes in one consumer group share a topic's partitions. Three drain 500,000
 * ticks into Cassandra while one is SIGKILLed and another is added; the group rebalances, `topic lag -g` shows
 * which member holds each partition, and `verify` finds Cassandra identical to the topic.
 */
import { describe, expect, it } from "vitest";
import { stockpipe, uniqueName } from "../helpers";
import { type Running, start, waitFor } from "./processes";

interface LagRow {
  partition: number;
  committed: number | null;
  lag: number;
  member: string | null;
}

async function lagOf(group: string, env: Record<string, string>): Promise<LagRow[]> {
  const r = await stockpipe(["topic", "lag", "-g", group, "-f", "json"], { env });
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as LagRow[];
}

/** The member id a consume process announced for itself ("member <id> of group …"). */
function memberOf(p: Running): string | undefined {
  return [...p.err().matchAll(/member (\S+) of group/g)].at(-1)?.[1];
}

describe("scale-out", () => {
  it("(i) three consumers in one group share 500,000 ticks; one SIGKILLed, one added: the group rebalances and verify is clean", async () => {
    const name = uniqueName("scale");
    const env = { STOCKPIPE_KAFKA_TOPIC: name, STOCKPIPE_CASSANDRA_KEYSPACE: name.replace(/-/g, "_") };
    expect((await stockpipe(["topic", "create", name, "-p", "6"], { env })).code).toBe(0);
    expect((await stockpipe(["schema", "cassandra"], { env })).code).toBe(0);
    const total = 500_000;
    const group = uniqueName("g");
    // Ticks stream in for about 25 s, so the consumers are at work through the kill and the join.
    const producer = start(
      ["produce", "--source", "synthetic", "--symbols", "200", "--seed", "9", "--rate", "20000", "--limit", String(total)],
      env,
    );
    const consume = () => start(["consume", "--sink", "cassandra", "-g", group, "-f", "json"], env);
    const first = [consume(), consume(), consume()];
    const printed = () => first.map((p, i) => `consumer ${i + 1}:\n${p.err().slice(-1500)}`).join("\n");

    // Three members, two partitions each, every partition held by exactly one of them.
    const shared = await waitFor(
      "three members sharing the partitions",
      120_000,
      async () => {
        const rows = await lagOf(group, env);
        const members = new Set(rows.map((r) => r.member));
        return rows.length === 6 && rows.every((r) => r.member) && members.size === 3 ? rows : undefined;
      },
      printed,
    );
    const held = new Map<string, number[]>();
    for (const r of shared) held.set(r.member!, [...(held.get(r.member!) ?? []), r.partition]);
    expect([...held.values()].map((p) => p.length)).toEqual([2, 2, 2]);
    // Each process announced its own member id and partitions, as `topic lag -g` shows them.
    await waitFor("each process to announce its member id", 30_000, async () => (first.every(memberOf) ? true : undefined));
    expect(new Set(first.map(memberOf))).toEqual(new Set(held.keys()));

    // SIGKILL the second once its partitions have moved on, then add a fourth.
    const victim = first[1]!;
    const victimPartitions = held.get(memberOf(victim)!)!;
    await waitFor("the second consumer's first commit", 120_000, async () => {
      const rows = await lagOf(group, env);
      return rows.some((r) => victimPartitions.includes(r.partition) && (r.committed ?? 0) > 0) ? true : undefined;
    });
    victim.child.kill("SIGKILL");
    await victim.done;
    const killedAt = Date.now();
    const added = consume();
    // The group drops the dead member (after its session times out) and the survivors and the new one take over.
    const after = await waitFor("the group without the killed member", 180_000, async () => {
      const rows = await lagOf(group, env);
      const members = new Set(rows.map((r) => r.member));
      return rows.every((r) => r.member) && !members.has(memberOf(victim)!) && members.has(memberOf(added) ?? "?") && members.size === 3
        ? rows
        : undefined;
    });
    const rebalanceSeconds = (Date.now() - killedAt) / 1000;
    expect(new Set(after.map((r) => r.member))).toEqual(new Set([memberOf(first[0]!), memberOf(first[2]!), memberOf(added)]));

    expect(await producer.done, producer.err()).toBe(0);
    await waitFor("the group to catch up", 300_000, async () => {
      const rows = await lagOf(group, env);
      return rows.every((r) => r.committed !== null && r.lag === 0) ? true : undefined;
    });
    const survivors = [first[0]!, first[2]!, added];
    for (const p of survivors) p.child.kill("SIGINT");
    const summaries: { written: number; dlq: number; rebalances: number }[] = [];
    for (const p of survivors) {
      expect(await p.done, p.err()).toBe(130);
      summaries.push(JSON.parse(p.out()));
    }
    for (const s of summaries) expect(s.dlq).toBe(0);
    // The first members saw the added one join and the killed one leave.
    expect(summaries[0]!.rebalances).toBeGreaterThanOrEqual(1);
    // The survivors wrote at least every tick the killed one did not commit; rows are idempotent, so Cassandra
    // holds each tick once whatever was written twice.
    expect(summaries.reduce((n, s) => n + s.written, 0)).toBeGreaterThan(0);
    const v = await stockpipe(["verify", "--sinks", "cassandra", "-f", "json"], { env, timeoutMs: 600_000 });
    expect(v.code, v.stdout + v.stderr).toBe(0);
    const report = JSON.parse(v.stdout) as { symbols: { kafka: number; stored: number }[] };
    expect(report.symbols.reduce((n, s) => n + s.stored, 0)).toBe(total);
    process.stderr.write(`[scale-out] the group settled without the killed member ${rebalanceSeconds.toFixed(1)}s after the kill\n`);
  }, 1_200_000);
});
