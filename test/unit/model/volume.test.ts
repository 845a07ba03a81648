/** Fractional volumes: which are valid, and sums that are exact (checked against BigInt arithmetic on the text). */
import { describe, expect, it } from "vitest";
import { addVolume, fractionUnits, volumeOf, volumeProblem, volumeText } from "../../../src/model/volume";
import { prng } from "../../../src/sources/synthetic";

/** The exact sum of decimal texts, in BigInt 10⁻⁸ units, back to the shortest decimal text. */
function exactSum(texts: string[]): string {
  let units = 0n;
  for (const t of texts) {
    const [w, f = ""] = t.split(".");
    units += BigInt(w!) * 100_000_000n + BigInt(f.padEnd(8, "0"));
  }
  const whole = units / 100_000_000n;
  const frac = (units % 100_000_000n).toString().padStart(8, "0").replace(/0+$/, "");
  return frac ? `${whole}.${frac}` : `${whole}`;
}

describe("volumes", () => {
  it("accept whole numbers and sizes of up to 8 decimal places, and say why others are refused", () => {
    for (const v of [0, 1, 150, Number.MAX_SAFE_INTEGER, 0.00123, 1e-8, 5.23512, 12345678.1234567])
      expect(volumeProblem(v), String(v)).toBeUndefined();
    expect(volumeProblem(1e-9)?.reason).toBe("volume too precise");
    expect(volumeProblem(0.123456789)?.detail).toBe("volume 0.123456789 has 9 decimal places; at most 8 are kept exactly");
    expect(volumeProblem(-0.5)?.reason).toBe("volume negative");
    expect(volumeProblem("0.5")?.reason).toBe("volume not a number");
    expect(volumeProblem(Number.POSITIVE_INFINITY)?.reason).toBe("volume not a number");
  });

  it("print without an exponent and split into 10⁻⁸ units exactly", () => {
    expect(volumeText(1e-7)).toBe("0.0000001");
    expect(volumeText(1.5e-7)).toBe("0.00000015");
    expect(volumeText(0.00123)).toBe("0.00123");
    expect(fractionUnits(1e-8)).toBe(1);
    expect(fractionUnits(2.5)).toBe(50_000_000);
    expect(fractionUnits(0.1)).toBe(10_000_000);
  });

  it("sum exactly where binary fractions drift: 0.1 + 0.2 is 0.3, and 10,000 random sizes sum to the decimal sum", () => {
    const s = { whole: 0, units: 0 };
    addVolume(s, 0.1);
    addVolume(s, 0.2);
    expect(volumeOf(s.whole, s.units)).toBe(0.3);
    const rand = prng(7);
    const texts: string[] = [];
    const sum = { whole: 0, units: 0 };
    let naive = 0;
    for (let i = 0; i < 10_000; i++) {
      const decimals = Math.floor(rand() * 9);
      const text = (Math.floor(rand() * 5_000_000_000) / 10 ** 8).toFixed(decimals);
      texts.push(text);
      const v = Number(text);
      addVolume(sum, v);
      naive += v;
    }
    const exact = exactSum(texts);
    expect(volumeText(volumeOf(sum.whole, sum.units))).toBe(exact);
    // What a plain floating-point sum would have said (the reason for all this).
    expect(String(naive)).not.toBe(exact);
  });
});
