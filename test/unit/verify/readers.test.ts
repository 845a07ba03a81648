import { describe, expect, it } from "vitest";
import { tradingDays } from "../../../src/verify/readers";

/** The calendar date in `timeZone` of an instant, from Intl (independent of stockpipe's time code). */
const intlDay = (ms: number, timeZone: string) => new Date(ms).toLocaleDateString("en-CA", { timeZone });

describe("tradingDays", () => {
  for (const zone of ["America/New_York", "Asia/Kathmandu", "Pacific/Chatham", "Asia/Hong_Kong"]) {
    it(`gives each minute's date in ${zone}, across midnight and a DST change, while it remembers a 15-minute slot`, () => {
      const dayOf = tradingDays(zone);
      // Every minute of two days around the March DST change (and three days in November), in time order as a
      // partition's records come, then once back in time.
      const starts = [Date.parse("2024-03-09T00:00:00Z"), Date.parse("2024-11-02T00:00:00Z")];
      for (const start of starts)
        for (let m = 0; m < 3 * 24 * 60; m++) {
          const ms = start + m * 60_000 + 59_999;
          expect(dayOf(new Date(ms).toISOString()), new Date(ms).toISOString()).toBe(intlDay(ms, zone));
        }
      const back = Date.parse("2024-03-09T12:00:00Z");
      expect(dayOf(new Date(back).toISOString())).toBe(intlDay(back, zone));
    });
  }
});
