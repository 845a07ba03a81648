// Numbers and times as the page shows them, times in the market's time zone.
import { page } from "./state.js";

export const num = new Intl.NumberFormat("en-US", { maximumFractionDigits: 8 });
export const price = (p) => (p >= 1000 ? p.toFixed(2) : p >= 1 ? p.toFixed(2) : p.toPrecision(4));
let clock;
let dayClock;
let minuteClock;
let dateClock;
export function setTimeZone(tz) {
  page.timeZone = tz;
  clock = new Intl.DateTimeFormat("en-GB", { timeZone: tz, hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  minuteClock = new Intl.DateTimeFormat("en-GB", { timeZone: tz, hour: "2-digit", minute: "2-digit", hour12: false });
  dateClock = new Intl.DateTimeFormat("en-GB", { timeZone: tz, day: "numeric", month: "short" });
  dayClock = new Intl.DateTimeFormat("en-CA", {
    timeZone: tz,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hour12: false,
  });
}
setTimeZone("UTC");
export const hms = (ms) => clock.format(new Date(ms));
export const stamp = (ms) => dayClock.format(new Date(ms)).replace(",", "");
/** Time-axis labels in the market's time zone: dates at day marks, hh:mm (or hh:mm:ss) within a day. */
export function tickMark(t, type) {
  const d = new Date(t * 1000);
  if (type < 3) return dateClock.format(d);
  return type === 4 ? clock.format(d) : minuteClock.format(d);
}
