import { afterEach, describe, expect, it } from "vitest";
import { RecentIds } from "../../../../src/sources/feeds/source";
import { feedConformance } from "../../../feeds/conformance";
import { VENUES, type VenueServer } from "../../../feeds/venues";

describe("a feed's recent ids", () => {
  it("tell a repeat among the last ones, and forget the oldest beyond the window", () => {
    const ids = new RecentIds(3);
    expect(["a", "b", "a", "c", "d"].map((id) => ids.add(id))).toEqual([true, true, false, true, true]);
    // "a" was the oldest of four: forgotten.
    expect(ids.add("a")).toBe(true);
    expect(ids.add("d")).toBe(false);
  });
});

const servers: VenueServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

feedConformance(VENUES, servers);
