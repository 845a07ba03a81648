/**
 * Volumes: a whole number of shares, or a fractional size (crypto: `"size": "0.00123"`) with at most
 * VOLUME_DECIMALS decimal places and 15 significant digits — what a JSON number carries through a double and back
 * unchanged, so the text on the topic is the decimal the venue sent. Sums are exact: the whole parts add up as
 * integers and the fractions as integers of 10⁻⁸, never as binary fractions (0.1 + 0.2 is 0.3 here).
 */

/** Decimal places a fractional volume may have (a satoshi; every venue's size precision we know fits). */
export const VOLUME_DECIMALS = 8;
const UNIT = 10 ** VOLUME_DECIMALS;
const MAX_DIGITS = 15;

/** The decimal text of a volume, without an exponent: 1e-7 → "0.0000001". */
export function volumeText(v: number): string {
  const s = String(v);
  const e = s.indexOf("e");
  if (e < 0) return s;
  // Only numbers below 1e-6 (or at least 1e21, never a valid volume) print with an exponent.
  const exponent = Number(s.slice(e + 1));
  const digits = s.slice(0, e).replace(".", "");
  return exponent < 0 ? `0.${"0".repeat(-exponent - 1)}${digits}` : s;
}

/** Why a volume is not valid, or undefined. */
export function volumeProblem(v: unknown): { reason: string; detail: string } | undefined {
  if (typeof v !== "number" || !Number.isFinite(v))
    return { reason: "volume not a number", detail: `volume ${JSON.stringify(v)} is not a number` };
  if (v < 0) return { reason: "volume negative", detail: `volume must be ≥ 0, got ${v}` };
  if (Number.isInteger(v)) {
    if (!Number.isSafeInteger(v)) return { reason: "volume too large", detail: `volume ${v} is above ${Number.MAX_SAFE_INTEGER}` };
    return undefined;
  }
  const text = volumeText(v);
  const point = text.indexOf(".");
  const decimals = point < 0 ? 0 : text.length - point - 1;
  if (decimals > VOLUME_DECIMALS)
    return {
      reason: "volume too precise",
      detail: `volume ${text} has ${decimals} decimal places; at most ${VOLUME_DECIMALS} are kept exactly`,
    };
  if (text.replace(".", "").replace(/^0+/, "").length > MAX_DIGITS)
    return { reason: "volume too precise", detail: `volume ${text} has more than ${MAX_DIGITS} significant digits` };
  return undefined;
}

/** The fraction of a valid volume in 10⁻⁸ units, from its decimal text (exact): 2.5 → 50000000. */
export function fractionUnits(v: number): number {
  if (Number.isInteger(v)) return 0;
  const text = volumeText(v);
  const point = text.indexOf(".");
  return Number(
    text
      .slice(point + 1)
      .padEnd(VOLUME_DECIMALS, "0")
      .slice(0, VOLUME_DECIMALS),
  );
}

/**
 * An exact running sum of volumes: `whole` (Σ whole parts) and `units` (Σ fractions in 10⁻⁸). Kept as two plain
 * numbers so it can live in a checkpointed accumulator.
 */
export interface VolumeSum {
  whole: number;
  units: number;
}

/** Adds a valid volume to a sum. */
export function addVolume(s: VolumeSum, v: number): void {
  if (Number.isInteger(v)) {
    s.whole += v;
    return;
  }
  const w = Math.trunc(v);
  s.whole += w;
  s.units += fractionUnits(v);
  if (s.units >= UNIT) {
    const carry = Math.floor(s.units / UNIT);
    s.whole += carry;
    s.units -= carry * UNIT;
  }
}

/** A sum as a number: exactly the decimal it is, whenever that fits in 15 significant digits. */
export function volumeOf(whole: number, units: number): number {
  if (units === 0) return whole;
  return Number(`${whole}.${String(units).padStart(VOLUME_DECIMALS, "0")}`);
}
