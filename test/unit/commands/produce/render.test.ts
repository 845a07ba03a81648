import { describe, expect, it } from "vitest";
import { gapLine } from "../../../../src/commands/produce/render";

const gap = { detail: "BTC-USD: trade ids 1010–1012 never arrived", missed: 3, repaired: 0, left: 3, calls: 0, complete: false };

describe("a gap's line", () => {
  it("says what the repair did: all of it, part of it with why, or nothing when there was no repair", () => {
    expect(gapLine({ ...gap, repaired: 3, left: 0, calls: 1, complete: true })).toEqual({
      text: "BTC-USD: trade ids 1010–1012 never arrived; 3 repaired (1 REST call)",
      warning: false,
    });
    expect(gapLine({ ...gap, repaired: 1, left: 2, calls: 4, why: "http://venue: HTTP 503 Service Unavailable" })).toEqual({
      text: "BTC-USD: trade ids 1010–1012 never arrived; 1 of 3 repaired, 2 still missing (http://venue: HTTP 503 Service Unavailable; 4 REST calls)",
      warning: true,
    });
    expect(gapLine(gap)).toEqual({ text: "3 messages missed (BTC-USD: trade ids 1010–1012 never arrived)", warning: true });
  });

  it("says of a gap by time that was cut short that some may be missing", () => {
    const byTime = {
      detail: "AAPL: trades from A to B (while the feed was away)",
      missed: 0,
      repaired: 0,
      left: 0,
      calls: 0,
      complete: false,
    };
    expect(gapLine(byTime)).toEqual({
      text: "messages may be missing (AAPL: trades from A to B (while the feed was away))",
      warning: true,
    });
    expect(gapLine({ ...byTime, missed: 500, repaired: 500, calls: 2, why: "feeds.repair.maxSeconds (20) ran out" })).toEqual({
      text: "AAPL: trades from A to B (while the feed was away); 500 repaired, maybe not all (feeds.repair.maxSeconds (20) ran out; 2 REST calls)",
      warning: true,
    });
  });
});
