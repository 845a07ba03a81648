/**
 * The bundled exchange calendars against exchange_calendars (Python, installed by test/setup/calendars.ts): every
 * session of XNYS, XLON and XHKG in 2019–2027 — open, close, lunch break, holidays (sessions missing), early
 * closes — equal to the millisecond, DST weeks included.
 */
import { describe, expect, it } from "vitest";
import { Calendar } from "../../src/model/calendar";
import { exchangeSessions } from "../setup/calendars";

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

describe("exchange calendars", () => {
  for (const exchange of ["XNYS", "XLON", "XHKG"]) {
    it(`${exchange}: every session of 2019–2027 as exchange_calendars has it`, () => {
      const expected = exchangeSessions(exchange, "2019-01-01", "2027-12-31");
      expect(expected.length).toBeGreaterThan(2000);
      const got = Calendar.of(exchange, "UTC").sessions("2019-01-01", "2027-12-31");
      const text = (s: { day: string; open: number; close: number; breakStart?: number | null; breakEnd?: number | null }) =>
        `${s.day} ${iso(s.open)} ${iso(s.breakStart)} ${iso(s.breakEnd)} ${iso(s.close)}`;
      // Compared as text, so a difference names the day and the times.
      expect(got.map(text)).toEqual(expected.map(text));
    });
  }
});
