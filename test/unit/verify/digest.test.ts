import { describe, expect, it } from "vitest";
import { Digests, digestKey, sameDigest, sliceOf } from "../../../src/verify/digest";

const seen = (id: string, fingerprint: string) => ({ symbol: "AAPL", day: "2024-01-02", id, fingerprint });

describe("symbol-day digests", () => {
  const of = (records: [string, string][]) => {
    const d = new Digests();
    for (const [id, fp] of records) d.add("tick", seen(id, fp), 0);
    return d.byKey.get(digestKey("tick", "AAPL", "2024-01-02"));
  };
  const base: [string, string][] = Array.from({ length: 1000 }, (_, i) => [`id-${i}`, `2024-01-02T15:00:${i}|${100 + i}|${i}`]);

  it("are equal for the same records in any order", () => {
    expect(sameDigest(of(base), of([...base].reverse()))).toBe(true);
  });

  it("differ for a missing, doubled or changed record, and for an id and content swapped between two records", () => {
    expect(sameDigest(of(base), of(base.slice(1)))).toBe(false);
    expect(sameDigest(of(base), of([...base, base[5]!]))).toBe(false);
    const changed = base.map(([id, fp], i): [string, string] => [id, i === 7 ? fp.replace("|107|", "|107.5|") : fp]);
    expect(sameDigest(of(base), of(changed))).toBe(false);
    const swapped = base.map(([id, fp], i): [string, string] => (i === 1 ? [id, base[2]![1]] : i === 2 ? [id, base[1]![1]] : [id, fp]));
    expect(sameDigest(of(base), of(swapped))).toBe(false);
    // Where the id ends and the content begins counts.
    expect(sameDigest(of([["ab", "c"]]), of([["a", "bc"]]))).toBe(false);
  });

  it("never equal a missing side", () => {
    expect(sameDigest(of(base), undefined)).toBe(false);
  });

  it("slice ids evenly and stably", () => {
    const counts = [0, 0, 0, 0];
    for (const [id] of base) counts[sliceOf(id, 4)]!++;
    for (const c of counts) expect(c).toBeGreaterThan(180);
    expect(sliceOf("id-5", 4)).toBe(sliceOf("id-5", 4));
    expect(sliceOf("anything", 1)).toBe(0);
  });
});
