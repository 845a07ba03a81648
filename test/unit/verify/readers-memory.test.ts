import { describe, expect, it } from "vitest";
import { BYTES_PER_RECORD, fitsInMemory } from "../../../src/verify/readers";

describe("verify's memory check", () => {
  const gb = 2 ** 30;
  it("lets a topic through whose records fit in the heap, with room to spare", () => {
    expect(fitsInMemory(1_000_000, 4 * gb)).toBeUndefined();
    expect(fitsInMemory(Math.floor((4 * gb * 0.85) / BYTES_PER_RECORD), 4 * gb)).toBeUndefined();
  });

  it("refuses, saying how much it needs and may use, a topic that would run the heap out", () => {
    // The soak's 9,000,000 ticks against Node's default heap on this machine.
    expect(fitsInMemory(9_000_000, 4144 * 2 ** 20)).toBe(
      "verify keeps each record in memory while it compares (about 1,200 bytes with the sink's row): the topic's 9,000,000 records need about 10,300 MB, more than this process may use (4,144 MB)",
    );
  });

  it("leaves it to the run with --since: only the days from it are kept", () => {
    expect(fitsInMemory(9_000_000, 4144 * 2 ** 20, "2026-12-01")).toBeUndefined();
  });
});
