import { describe, expect, it } from "vitest";
import { decodeFinnhub, finnhubFeed } from "../../../../src/sources/feeds/finnhub";

describe("the finnhub feed", () => {
  it("subscribes each symbol, and keeps the token out of the address it shows", () => {
    const f = finnhubFeed({ symbols: ["AAPL", "TSLA"], token: "secret token" });
    expect(f.url).toBe("wss://ws.finnhub.io?token=secret%20token");
    expect(f.shownUrl).toBe("wss://ws.finnhub.io?token=***");
    expect(f.session().opened()).toEqual(['{"type":"subscribe","symbol":"AAPL"}', '{"type":"subscribe","symbol":"TSLA"}']);
    expect(finnhubFeed({ symbols: [], token: "t", url: "ws://127.0.0.1:5/" }).url).toBe("ws://127.0.0.1:5/?token=t");
  });

  it("makes each trade a tick, identical trades in one frame distinct, and the same frame again the same ticks", () => {
    const frame = JSON.stringify({
      type: "trade",
      data: [
        { s: "TSLA", p: 122.1, t: 1672348887195, v: 1, c: ["1", "8"] },
        { s: "TSLA", p: 122.09, t: 1672348887196, v: 4, c: ["1"] },
        { s: "TSLA", p: 122.09, t: 1672348887196, v: 4, c: ["1"] },
      ],
    });
    const events = decodeFinnhub(frame);
    const ticks = events.map((e) => (e.kind === "tick" ? e.tick : undefined));
    expect(ticks.map((t) => [t?.symbol, t?.ts, t?.price, t?.volume, t?.source])).toEqual([
      ["TSLA", "2022-12-29T21:21:27.195Z", 122.1, 1, "finnhub"],
      ["TSLA", "2022-12-29T21:21:27.196Z", 122.09, 4, "finnhub"],
      ["TSLA", "2022-12-29T21:21:27.196Z", 122.09, 4, "finnhub"],
    ]);
    expect(new Set(ticks.map((t) => t?.id)).size).toBe(3);
    expect(decodeFinnhub(frame)).toEqual(events);
  });

  it("keeps pings, refuses an error, rejects the rest with a reason", () => {
    expect(decodeFinnhub('{"type":"ping"}')).toEqual([{ kind: "ignored" }]);
    expect(decodeFinnhub('{"type":"error","msg":"Invalid symbol XX"}')).toEqual([
      { kind: "refused", message: "finnhub error: Invalid symbol XX", hint: "check the symbols and the plan" },
    ]);
    expect(decodeFinnhub('{"type":"news"}')[0]).toMatchObject({ kind: "rejected", reason: "unknown message" });
    expect(decodeFinnhub("[")[0]).toMatchObject({ kind: "rejected", reason: "not JSON" });
    expect(decodeFinnhub('{"type":"trade","data":[{"s":"A","p":1,"t":"x","v":1}]}')[0]).toMatchObject({
      kind: "rejected",
      reason: "unparseable date",
    });
  });
});
