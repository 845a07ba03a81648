import { describe, expect, it } from "vitest";
import { Pending } from "../../../../src/pipeline/notify/pending";

describe("notify's commit point", () => {
  it("is the lowest offset still owed a delivery, or past the last chunk when none is", () => {
    const p = new Pending();
    expect(p.committable(0)).toBeUndefined();
    p.add(0, "10", 2);
    p.add(0, "11", 0);
    p.add(0, "12", 1);
    p.handled(0, "13");
    expect(p.committable(0)).toBe("10");
    p.done(0, "12");
    expect(p.committable(0)).toBe("10");
    p.done(0, "10");
    expect(p.committable(0)).toBe("10");
    p.done(0, "10");
    expect(p.committable(0)).toBe("13");
    expect(p.size).toBe(0);
  });

  it("forgets a partition the group took away, and wakes a waiter at each delivery done", async () => {
    const p = new Pending();
    p.add(1, "5", 3);
    p.handled(1, "6");
    const woke = p.changed();
    p.done(1, "5");
    await woke;
    p.release([1]);
    expect(p.size).toBe(0);
    expect(p.committable(1)).toBeUndefined();
    p.done(1, "5");
    expect(p.size).toBe(0);
  });
});
