import { describe, expect, it } from "vitest";
import { tickId } from "../../../../src/model/tick";
import { decodeGeneric, genericFeed } from "../../../../src/sources/feeds/generic";

const map = { symbol: "s", price: "p", ts: "t", volume: "q", seq: "id" };

describe("a generic JSON feed", () => {
  it("maps each record of a frame to a tick by dotted paths, its id from the mapped seq", () => {
    const frame = JSON.stringify({
      data: [
        { s: "abc", p: "10.5", t: 1704205800000, q: 3, id: 7 },
        { s: "XYZ", p: 2, t: "2024-01-02T14:30:00.001Z", q: 1, id: 8 },
      ],
    });
    const events = decodeGeneric(frame, { map, records: "data", timeZone: "UTC" });
    const first = { symbol: "ABC", ts: "2024-01-02T14:30:00.000Z", price: 10.5, volume: 3, source: "ws", seq: 7 };
    expect(events[0]).toEqual({ kind: "tick", tick: { ...first, id: tickId(first) } });
    expect(events[1]).toMatchObject({ kind: "tick", tick: { symbol: "XYZ", price: 2, seq: 8 } });
  });

  it("skips frames without a price (acknowledgements), rejects bad records with their reason", () => {
    expect(decodeGeneric('{"event":"subscribed"}', { map, timeZone: "UTC" })).toEqual([{ kind: "ignored" }]);
    expect(decodeGeneric('{"s":"A","p":-1,"t":1}', { map, timeZone: "UTC" })[0]).toMatchObject({
      kind: "rejected",
      reason: "price not > 0",
    });
    expect(decodeGeneric('{"s":"A","p":1,"t":"soon"}', { map, timeZone: "UTC" })[0]).toMatchObject({
      kind: "rejected",
      reason: "unparseable date",
    });
    expect(decodeGeneric("nope", { map, timeZone: "UTC" })[0]).toMatchObject({ kind: "rejected", reason: "not JSON" });
  });

  it("sends its subscription on every connection and hides query values in the address it shows", () => {
    const f = genericFeed({ url: "wss://feed.example/stream?apikey=abc&x=1", subscribe: '{"sub":1}', map, timeZone: "UTC" });
    expect(f.shownUrl).toBe("wss://feed.example/stream?apikey=***&x=***");
    expect(f.session().opened()).toEqual(['{"sub":1}']);
    expect(f.session().opened()).toEqual(['{"sub":1}']);
  });
});
