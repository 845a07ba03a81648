import { describe, expect, it } from "vitest";
import type { Alert } from "../../../src/model/alert";
import { compileRoutes, destinationsOf, symbolPattern } from "../../../src/notify/routes";

const a = (symbol: string, rule: string, severity: Alert["severity"]): Alert => ({
  symbol,
  rule,
  severity,
  ts: "2024-01-02T14:30:00.000Z",
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
});
