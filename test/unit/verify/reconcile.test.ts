import { describe, expect, it } from "vitest";
import { fingerprint, isClean, reconcile, type Seen } from "../../../src/verify/reconcile";

const t = (symbol: string, day: string, id: string, price = 1): Seen => ({
  symbol,
  day,
  id,
  fingerprint: fingerprint(`${day}T14:30:00.000Z`, price, 10),
});

describe("reconcile", () => {
  it("finds missing, duplicated, differing and extra rows per symbol and day", () => {
    const kafka = [
      t("A", "2024-01-02", "1"),
      t("A", "2024-01-02", "2"),
      t("A", "2024-01-02", "2"),
      t("A", "2024-01-03", "3"),
      t("B", "2024-01-02", "4"),
      t("B", "2024-01-02", "5"),
    ];
    const sink = [
      t("A", "2024-01-02", "1"),
      t("A", "2024-01-02", "2"),
      t("A", "2024-01-03", "3"),
      t("A", "2024-01-03", "3"),
      t("B", "2024-01-02", "4", 2),
      t("B", "2024-01-02", "9"),
    ];
    const checks = reconcile(kafka, sink);
    expect(checks).toEqual([
      { symbol: "A", day: "2024-01-02", kafka: 2, stored: 2, missing: 0, duplicated: 0, differing: 0, extra: 0 },
      { symbol: "A", day: "2024-01-03", kafka: 1, stored: 2, missing: 0, duplicated: 1, differing: 0, extra: 0 },
      { symbol: "B", day: "2024-01-02", kafka: 2, stored: 2, missing: 1, duplicated: 0, differing: 1, extra: 1 },
    ]);
    expect(checks.map(isClean)).toEqual([true, false, false]);
  });
});
