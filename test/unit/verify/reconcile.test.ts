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

  it("counts the topic's records: a record it holds twice is expected once in a store that keeps one row per id, and twice in one that keeps both", () => {
    const kafka = [t("A", "2024-01-02", "1"), t("A", "2024-01-02", "1"), t("A", "2024-01-02", "2")];
    const once = reconcile(kafka, [t("A", "2024-01-02", "1"), t("A", "2024-01-02", "2")]);
    expect(once).toEqual([{ symbol: "A", day: "2024-01-02", kafka: 3, stored: 2, missing: 0, duplicated: 0, differing: 0, extra: 0 }]);
    const twice = reconcile(kafka, [...kafka]);
    expect(twice).toEqual([{ symbol: "A", day: "2024-01-02", kafka: 3, stored: 3, missing: 0, duplicated: 0, differing: 0, extra: 0 }]);
    const thrice = reconcile(kafka, [...kafka, t("A", "2024-01-02", "1")]);
    expect(thrice[0]!.duplicated).toBe(1);
    // Missing counts records: both copies of an id with no row.
    expect(reconcile(kafka, [t("A", "2024-01-02", "2")])[0]!.missing).toBe(2);
  });
});

describe("the topic's own symbol-days", () => {
  it("are checked; the symbol-days a store holds that the topic never carried are counted apart", async () => {
    const { ownDays, reconcile } = await import("../../../src/verify/reconcile");
    const seen = (symbol: string, day: string, id: string) => ({ symbol, day, id, fingerprint: id });
    const checks = reconcile(
      [seen("AAPL", "2024-01-02", "a"), seen("AAPL", "2024-01-02", "b")],
      [
        seen("AAPL", "2024-01-02", "a"),
        seen("AAPL", "2024-01-02", "b"),
        seen("AAPL", "2024-01-02", "x"),
        seen("HYC", "2024-01-02", "h1"),
        seen("HYC", "2024-01-03", "h2"),
        seen("IIBH", "2024-01-02", "i1"),
      ],
    );
    const { own, outside } = ownDays("cassandra", checks);
    // An extra row on a day the topic carries is still a mismatch.
    expect(own).toEqual([{ symbol: "AAPL", day: "2024-01-02", kafka: 2, stored: 3, missing: 0, duplicated: 0, differing: 0, extra: 1 }]);
    expect(outside).toEqual({ sink: "cassandra", symbols: ["HYC", "IIBH"], days: 3, rows: 3 });
    expect(ownDays("s3", own).outside).toBeUndefined();
  });
});

describe("bySymbol", () => {
  it("sums a sink's day checks per symbol, counts the days, and lists the days that do not match", async () => {
    const { bySymbol } = await import("../../../src/verify/reconcile");
    const day = (symbol: string, d: string, kafka: number, stored: number, missing = 0) => ({
      symbol,
      day: d,
      kafka,
      stored,
      missing,
      duplicated: 0,
      differing: 0,
      extra: 0,
    });
    const checks = [day("A", "2024-01-02", 10, 10), day("A", "2024-01-03", 5, 4, 1), day("B", "2024-01-02", 7, 7)];
    const { symbols, problems } = bySymbol("cassandra", checks);
    expect(symbols).toEqual([
      {
        sink: "cassandra",
        symbol: "A",
        days: 2,
        kafka: 15,
        stored: 14,
        missing: 1,
        duplicated: 0,
        differing: 0,
        extra: 0,
        status: "MISMATCH",
      },
      { sink: "cassandra", symbol: "B", days: 1, kafka: 7, stored: 7, missing: 0, duplicated: 0, differing: 0, extra: 0, status: "ok" },
    ]);
    expect(problems).toEqual([{ ...checks[1], sink: "cassandra" }]);
  });
});
