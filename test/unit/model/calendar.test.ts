import { describe, expect, it } from "vitest";
import { Calendar, CalendarBook } from "../../../src/model/calendar";

const ms = (iso: string) => Date.parse(iso);
const iso = (t: number) => new Date(t).toISOString();

describe("Calendar", () => {
  const xnys = Calendar.of("XNYS", "UTC");
  it("holds New York's regular hours across DST, with pre- and post-market", () => {
    // 2024-03-08 (EST, UTC−5) and 2024-03-11 (EDT, UTC−4): the same 09:30 local open.
    const [fri, mon] = xnys.sessions("2024-03-08", "2024-03-11");
    expect([fri!.day, iso(fri!.open), iso(fri!.close)]).toEqual(["2024-03-08", "2024-03-08T14:30:00.000Z", "2024-03-08T21:00:00.000Z"]);
    expect([mon!.day, iso(mon!.open), iso(mon!.close)]).toEqual(["2024-03-11", "2024-03-11T13:30:00.000Z", "2024-03-11T20:00:00.000Z"]);
    expect([iso(mon!.preOpen), iso(mon!.postClose)]).toEqual(["2024-03-11T08:00:00.000Z", "2024-03-12T00:00:00.000Z"]);
  });

  it("knows Thanksgiving, its early close and the shorter post-market after it", () => {
    const days = xnys.sessions("2024-11-27", "2024-11-29");
    expect(days.map((s) => s.day)).toEqual(["2024-11-27", "2024-11-29"]);
    expect([iso(days[1]!.close), iso(days[1]!.postClose)]).toEqual(["2024-11-29T18:00:00.000Z", "2024-11-29T22:00:00.000Z"]);
  });

  it("places an instant in its session's part under each mode", () => {
    const pre = ms("2024-03-11T12:00:00.000Z"); // 08:00 New York
    expect(xnys.spanAt(pre, "regular")).toBeUndefined();
    expect(xnys.spanAt(pre, "extended")).toMatchObject({ day: "2024-03-11", start: ms("2024-03-11T08:00:00.000Z") });
    expect(xnys.spanAt(ms("2024-03-11T13:30:00.000Z"), "regular")).toMatchObject({
      day: "2024-03-11",
      end: ms("2024-03-11T20:00:00.000Z"),
    });
    // Saturday: no session; under `all`, New York's calendar day.
    const saturday = ms("2024-03-09T15:00:00.000Z");
    expect(xnys.spanAt(saturday, "extended")).toBeUndefined();
    expect(xnys.spanAt(saturday, "all")).toEqual({
      day: "2024-03-09",
      start: ms("2024-03-09T05:00:00.000Z"),
      end: ms("2024-03-10T05:00:00.000Z"),
    });
  });

  it("leaves Hong Kong's lunch break out of the regular session", () => {
    const xhkg = Calendar.of("XHKG", "UTC");
    expect(xhkg.spanAt(ms("2024-06-03T03:59:59.999Z"), "regular")?.day).toBe("2024-06-03");
    expect(xhkg.spanAt(ms("2024-06-03T04:30:00.000Z"), "regular")).toBeUndefined();
    expect(xhkg.spanAt(ms("2024-06-03T05:00:00.000Z"), "regular")?.day).toBe("2024-06-03");
    // No extended hours there: extended is regular.
    expect(xhkg.spanAt(ms("2024-06-03T01:00:00.000Z"), "extended")).toBeUndefined();
  });

  it("keeps the nearest usual hours on weekdays outside 2000–2030", () => {
    const xhkg = Calendar.of("XHKG", "UTC");
    const [s] = xhkg.sessions("1987-01-05", "1987-01-05");
    expect([s!.day, iso(s!.open), iso(s!.close), iso(s!.breakStart!)]).toEqual([
      "1987-01-05",
      "1987-01-05T02:00:00.000Z",
      "1987-01-05T08:00:00.000Z",
      "1987-01-05T04:00:00.000Z",
    ]);
    expect(xhkg.sessions("1987-01-03", "1987-01-04")).toEqual([]);
    expect(xnys.sessions("2031-01-06", "2031-01-06").map((x) => iso(x.open))).toEqual(["2031-01-06T14:30:00.000Z"]);
  });

  it("trades every day on 24x7, midnight to midnight in the market's zone", () => {
    const c = Calendar.of("24x7", "America/New_York");
    expect(c.spanAt(ms("2024-03-10T04:59:00.000Z"), "regular")).toEqual({
      day: "2024-03-09",
      start: ms("2024-03-09T05:00:00.000Z"),
      end: ms("2024-03-10T05:00:00.000Z"),
      breakStart: undefined,
      breakEnd: undefined,
    });
    // The day the clocks change is 23 hours long.
    const s = c.spanAt(ms("2024-03-10T12:00:00.000Z"), "regular")!;
    expect(s.end - s.start).toBe(23 * 3_600_000);
  });

  it("refuses an unknown calendar by name, listing the known ones", () => {
    expect(() => Calendar.of("XXXX", "UTC")).toThrow(/unknown calendar "XXXX" \(one of XNYS, XNAS, .*24x7\)/);
  });
});

describe("CalendarBook", () => {
  it("finds a symbol's calendar: the symbol itself, then a pattern, then the default", () => {
    const book = new CalendarBook("XNYS", { HSI: "XHKG", "*.HK": "XHKG", "*.L": "XLON", "BTC-*": "24x7" }, "UTC");
    expect(["AAPL", "HSI", "0700.HK", "VOD.L", "BTC-USD"].map((s) => book.of(s).name)).toEqual(["XNYS", "XHKG", "XHKG", "XLON", "24x7"]);
    expect(book.of("HSI")).toBe(book.of("0700.HK"));
  });
});
