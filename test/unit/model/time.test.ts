import { describe, expect, it } from "vitest";
import { parseDuration, parseMarketDate, tradingDay } from "../../../src/model/time";

const NY = "America/New_York";
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe("parseMarketDate", () => {
  it.each([
    ["2024-03-15T13:30:00Z", "2024-03-15T13:30:00.000Z"],
    ["2024-03-15T13:30:00.123Z", "2024-03-15T13:30:00.123Z"],
    ["2024-03-15T09:30:00-04:00", "2024-03-15T13:30:00.000Z"],
    ["2024-03-15T21:30:00+0800", "2024-03-15T13:30:00.000Z"],
    ["2024-03-15T09:30:00", "2024-03-15T13:30:00.000Z"],
    ["2024-03-15 09:30", "2024-03-15T13:30:00.000Z"],
    ["2024-01-15T09:30:00.5", "2024-01-15T14:30:00.500Z"],
    ["2024-03-15", "2024-03-15T04:00:00.000Z"],
    ["2024-01-15", "2024-01-15T05:00:00.000Z"],
    ["2024/01/15", "2024-01-15T05:00:00.000Z"],
    ["1710509400", "2024-03-15T13:30:00.000Z"],
    ["1710509400.25", "2024-03-15T13:30:00.250Z"],
    ["1710509400000", "2024-03-15T13:30:00.000Z"],
    ["Jan 1 2000", "2000-01-01T05:00:00.000Z"],
    ["Jan 1, 2000", "2000-01-01T05:00:00.000Z"],
    ["January 15, 2024 09:30", "2024-01-15T14:30:00.000Z"],
    ["Sept 3 2024", "2024-09-03T04:00:00.000Z"],
    ["15-Jan-2024", "2024-01-15T05:00:00.000Z"],
    ["15 Jan 2024", "2024-01-15T05:00:00.000Z"],
  ])("%s → %s (New York)", (input, expected) => {
    expect(iso(parseMarketDate(input, NY))).toBe(expected);
  });

  it("reads a date without a zone in the market's zone", () => {
    expect(iso(parseMarketDate("1986-12-31", "Asia/Hong_Kong"))).toBe("1986-12-30T16:00:00.000Z");
    expect(iso(parseMarketDate("2024-06-03 09:30", "Europe/London"))).toBe("2024-06-03T08:30:00.000Z");
  });

  it("handles the DST gap and overlap", () => {
    // 02:30 does not exist on 2024-03-10 in New York: the instant after the gap.
    expect(iso(parseMarketDate("2024-03-10T02:30:00", NY))).toBe("2024-03-10T07:30:00.000Z");
    expect(iso(parseMarketDate("2024-03-10T03:30:00", NY))).toBe("2024-03-10T07:30:00.000Z");
    expect(iso(parseMarketDate("2024-11-03T00:30:00", NY))).toBe("2024-11-03T04:30:00.000Z");
  });

  it.each(["", "yesterday", "2024-13-01", "2024-02-30", "2024-01-01T25:00", "Foo 1 2000", "12/31", "null", "2913."])(
    "rejects %j",
    (input) => {
      expect(parseMarketDate(input, NY)).toBeUndefined();
    },
  );
});

describe("tradingDay", () => {
  it("is the date in the market's zone", () => {
    const ms = Date.parse("2024-03-15T02:00:00Z");
    expect(tradingDay(ms, NY)).toBe("2024-03-14");
    expect(tradingDay(ms, "Asia/Hong_Kong")).toBe("2024-03-15");
    expect(tradingDay(ms, "UTC")).toBe("2024-03-15");
  });
});

describe("parseDuration", () => {
  it("reads ms, s, m and h", () => {
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("2s")).toBe(2000);
    expect(parseDuration("1.5m")).toBe(90_000);
    expect(parseDuration("1h")).toBe(3_600_000);
    expect(parseDuration("250")).toBe(250);
    expect(parseDuration("soon")).toBeUndefined();
  });
});
