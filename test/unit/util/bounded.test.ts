import { describe, expect, it } from "vitest";
import { backoffMs, Semaphore } from "../../../src/util/bounded";

describe("retry pacing and limits", () => {
  it("doubles the backoff from its base up to the cap", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffMs(n))).toEqual([200, 400, 800, 1600, 3200, 6400, 10_000, 10_000]);
    expect([1, 2, 7].map((n) => backoffMs(n, 250, 5))).toEqual([5, 5, 5]);
    expect(backoffMs(3, 250)).toBe(1000);
  });

  it("lets at most `limit` holders in at once, the rest in arrival order", async () => {
    const s = new Semaphore(2);
    const order: string[] = [];
    const hold = async (name: string, release: Promise<void>) => {
      await s.acquire();
      order.push(`in ${name}`);
      await release;
      order.push(`out ${name}`);
      s.release();
    };
    let openA!: () => void;
    const a = hold("a", new Promise((r) => (openA = r)));
    const b = hold("b", new Promise(() => {}));
    const c = hold("c", Promise.resolve());
    const d = hold("d", Promise.resolve());
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual(["in a", "in b"]);
    openA();
    await Promise.all([a, c, d]);
    expect(order).toEqual(["in a", "in b", "out a", "in c", "out c", "in d", "out d"]);
    void b;
  });
});
