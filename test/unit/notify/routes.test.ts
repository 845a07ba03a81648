import { describe, expect, it } from "vitest";
import type { Alert } from "../../../src/model/alert";
import { CalendarBook } from "../../../src/model/calendar";
import { symbolPattern } from "../../../src/model/patterns";
import { compileRoutes, destinationsOf } from "../../../src/notify/routes";

const a = (symbol: string, rule: string, severity: Alert["severity"], ts = "2024-01-02T14:30:00.000Z"): Alert => ({
  symbol,
  rule,
  severity,
  ts,
  value: 1,
  threshold: 1,
  message: "",
  id: "x",
});

describe("routes", () => {
  it("match symbol patterns with * as any run of characters, every other character literally", () => {
    const p = symbolPattern(["BTC-*", "*.HK", "^GSPC"]);
    for (const s of ["BTC-USD", "BTC-", "0700.HK", "^GSPC"]) expect(p.test(s), s).toBe(true);
    for (const s of ["XBTC-USD", "0700XHK", "GSPC", "^GSPCX"]) expect(p.test(s), s).toBe(false);
  });

  it("send an alert to the union of the routes that select it by rule, severity and symbol", () => {
    const routes = compileRoutes([
      { severities: ["critical"], to: ["pager"] },
      { rules: ["openingGap", "priceMove"], symbols: ["AAPL", "MSFT"], to: ["desk", "log"] },
      { symbols: ["BTC-*"], to: ["crypto"] },
      { to: ["log"] },
    ]);
    expect(destinationsOf(a("AAPL", "priceMove", "critical"), routes)).toEqual(["pager", "desk", "log"]);
    expect(destinationsOf(a("AAPL", "zScore", "warning"), routes)).toEqual(["log"]);
    expect(destinationsOf(a("BTC-USD", "zScore", "info"), routes)).toEqual(["crypto", "log"]);
    expect(destinationsOf(a("BTC-USD", "zScore", "info"), compileRoutes([{ symbols: ["ETH-*"], to: ["x"] }]))).toEqual([]);
  });

  it("select by the part of the market day the alert fired in, on its symbol's calendar", () => {
    const calendars = new CalendarBook("XNYS", { HSI: "XHKG", "BTC-*": "24x7" }, "America/New_York");
    const partOf = (x: Alert) => calendars.of(x.symbol).partAt(Date.parse(x.ts));
    const routes = compileRoutes([
      { sessions: ["regular"], to: ["desk"] },
      { sessions: ["pre", "post"], to: ["extended"] },
      { sessions: ["closed"], severities: ["critical"], to: ["pager"] },
    ]);
    const at = (symbol: string, ts: string, severity: Alert["severity"] = "warning") =>
      destinationsOf(a(symbol, "zScore", severity, ts), routes, partOf);
    expect(at("AAPL", "2024-03-11T13:30:00.000Z")).toEqual(["desk"]); // 09:30 New York (EDT): the open
    expect(at("AAPL", "2024-03-11T12:00:00.000Z")).toEqual(["extended"]); // 08:00: pre-market
    expect(at("AAPL", "2024-11-29T19:00:00.000Z")).toEqual(["extended"]); // 14:00 on Black Friday: after the early close
    expect(at("AAPL", "2024-11-28T15:00:00.000Z", "critical")).toEqual(["pager"]); // Thanksgiving
    expect(at("AAPL", "2024-11-28T15:00:00.000Z")).toEqual([]);
    expect(at("HSI", "2024-06-03T04:30:00.000Z", "critical")).toEqual(["pager"]); // Hong Kong's lunch
    expect(at("BTC-USD", "2024-06-01T03:00:00.000Z")).toEqual(["desk"]); // a Saturday night: 24x7 is always regular
  });
});
