import { describe, expect, it } from "vitest";
import { CommitScheduler, type PartitionOffset } from "../../../../src/pipeline/drain/commits";

function scheduler(durable: Map<number, string>, commit: (o: PartitionOffset[]) => Promise<void>, errors: Error[] = []) {
  return new CommitScheduler(
    "ticks",
    (p) => durable.get(p),
    commit,
    (e) => void errors.push(e),
  );
}

describe("commit scheduling", () => {
  it("commits exactly the durable offsets, only those that moved, in one request", async () => {
    const durable = new Map([
      [0, "10"],
      [1, "5"],
    ]);
    const commits: PartitionOffset[][] = [];
    const s = scheduler(durable, async (o) => void commits.push(o));
    s.track(0);
    s.track(1);
    s.track(2); // nothing durable yet: not committed
    await s.now();
    durable.set(1, "9");
    await s.now();
    await s.now();
    expect(commits).toEqual([
      [
        { topic: "ticks", partition: 0, offset: "10" },
        { topic: "ticks", partition: 1, offset: "5" },
      ],
      [{ topic: "ticks", partition: 1, offset: "9" }],
    ]);
  });

  it("runs one background commit at a time and goes round again for what moved meanwhile", async () => {
    const durable = new Map([[0, "1"]]);
    const commits: string[] = [];
    let release!: () => void;
    const s = scheduler(durable, async (o) => {
      commits.push(o.map((c) => c.offset).join());
      if (commits.length === 1) await new Promise<void>((r) => (release = r));
    });
    s.track(0);
    s.soon();
    await new Promise((r) => setImmediate(r));
    durable.set(0, "2");
    s.soon();
    durable.set(0, "3");
    s.soon();
    expect(commits).toEqual(["1"]);
    release();
    await s.now();
    expect(commits).toEqual(["1", "3"]);
  });

  it("reports a failed background commit and carries its offsets in the next one", async () => {
    const durable = new Map([[0, "7"]]);
    const errors: Error[] = [];
    let fail = true;
    const commits: string[] = [];
    const s = scheduler(
      durable,
      async (o) => {
        if (fail) throw new Error("rebalance in progress");
        commits.push(o.map((c) => c.offset).join());
      },
      errors,
    );
    s.track(0);
    s.soon();
    await new Promise((r) => setTimeout(r, 10));
    expect(errors.map((e) => e.message)).toEqual(["rebalance in progress"]);
    fail = false;
    await s.now();
    expect(commits).toEqual(["7"]);
  });

  it("forgets partitions lost in a rebalance: they are never committed again", async () => {
    const durable = new Map([
      [0, "4"],
      [1, "8"],
    ]);
    const commits: PartitionOffset[][] = [];
    const s = scheduler(durable, async (o) => void commits.push(o));
    s.track(0);
    s.track(1);
    expect(s.keepOnly([1, 2])).toEqual([0]);
    expect(s.owns(0)).toBe(false);
    await s.now();
    expect(commits).toEqual([[{ topic: "ticks", partition: 1, offset: "8" }]]);
  });
});
