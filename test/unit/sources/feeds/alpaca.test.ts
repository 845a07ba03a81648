import { describe, expect, it } from "vitest";
import { tickId } from "../../../../src/model/tick";
import { alpacaFeed, isoMs } from "../../../../src/sources/feeds/alpaca";
import { alpacaTrades } from "../../../feeds/servers";

const feed = () =>
  alpacaFeed({
    dataFeed: "iex",
    symbols: ["AAPL", "MSFT"],
    channels: ["trades", "quotes"],
    key: "K",
    secret: "S",
    keyNames: { key: "APCA_API_KEY_ID", secret: "APCA_API_SECRET_KEY" },
  });

describe("the alpaca feed", () => {
  it("authenticates when greeted, subscribes when authenticated, and takes the confirmation", () => {
    const s = feed().session();
    expect(s.opened()).toEqual([]);
    expect(s.receive('[{"T":"success","msg":"connected"}]')).toEqual([{ kind: "send", text: '{"action":"auth","key":"K","secret":"S"}' }]);
    expect(s.receive('[{"T":"success","msg":"authenticated"}]')).toEqual([
      { kind: "send", text: '{"action":"subscribe","trades":["AAPL","MSFT"],"quotes":["AAPL","MSFT"]}' },
    ]);
    expect(s.receive('[{"T":"subscription","trades":["AAPL","MSFT"],"quotes":["AAPL","MSFT"],"bars":[]}]')).toMatchObject([
      { kind: "subscribed" },
    ]);
  });

  it("refuses in one line a bad key (naming where it came from), a plan without the feed, and a symbol not subscribed", () => {
    const s = feed().session();
    expect(s.receive('[{"T":"error","code":402,"msg":"auth failed"}]')).toEqual([
      {
        kind: "refused",
        message: "the key or secret is wrong (error 402: auth failed)",
        hint: "check the key in APCA_API_KEY_ID and the secret in APCA_API_SECRET_KEY",
      },
    ]);
    expect(s.receive('[{"T":"error","code":409,"msg":"insufficient subscription"}]')[0]).toMatchObject({
      kind: "refused",
      hint: "use the iex data feed, or a plan that includes sip",
    });
    expect(s.receive('[{"T":"subscription","trades":["AAPL"],"quotes":["AAPL","MSFT"]}]')).toEqual([
      { kind: "refused", message: "the trades of MSFT were not subscribed", hint: "check the symbols" },
    ]);
  });

  it("makes each trade a tick: its size the volume, its time to the millisecond, its trade id the seq, so a trade seen twice is one tick", () => {
    const [t] = alpacaTrades(1, ["AAPL"], 96921);
    const s = feed().session();
    const [e] = s.receive(JSON.stringify([t]));
    const expected = { symbol: "AAPL", ts: `${t!.t.slice(0, 23)}Z`, price: t!.p, volume: t!.s, source: "alpaca:iex", seq: 96921 };
    expect(e).toEqual({ kind: "tick", tick: { ...expected, id: tickId(expected) } });
    expect(
      feed()
        .session()
        .receive(JSON.stringify([t])),
    ).toEqual([e]);
  });

  it("makes a quote a tick with bid and ask and their sizes, priced at their midpoint, and no volume", () => {
    const q = {
      T: "q",
      S: "MSFT",
      bx: "U",
      bp: 400.1,
      bs: 3,
      ax: "Q",
      ap: 400.3,
      as: 2,
      t: "2024-01-02T14:30:00.123456789Z",
      c: ["R"],
      z: "C",
    };
    const [e] = feed()
      .session()
      .receive(JSON.stringify([q]));
    expect(e).toMatchObject({
      kind: "tick",
      tick: {
        symbol: "MSFT",
        ts: "2024-01-02T14:30:00.123Z",
        price: 400.2,
        bid: 400.1,
        ask: 400.3,
        bidSize: 3,
        askSize: 2,
        source: "alpaca:iex:quotes",
      },
    });
    expect((e as { tick: { volume?: number } }).tick.volume).toBeUndefined();
  });

  it("rejects what is not a trade it can use, with a reason, and goes on", () => {
    const s = feed().session();
    const events = s.receive(
      JSON.stringify([
        { T: "t", S: "AAPL", i: 1, p: -5, s: 1, t: "2024-01-02T14:30:00Z" },
        { T: "t", S: "AAPL", i: 2, p: 5, s: 1, t: "yesterday" },
        { T: "zz" },
        { T: "b", S: "AAPL" },
        { T: "t", S: "AAPL", i: 3, p: 5, s: 2, t: "2024-01-02T14:30:00Z" },
      ]),
    );
    expect(events.map((e) => (e.kind === "rejected" ? e.reason : e.kind))).toEqual([
      "price not > 0",
      "unparseable date",
      "unknown message",
      "ignored",
      "tick",
    ]);
    expect(s.receive("{not json")).toEqual([{ kind: "rejected", reason: "not JSON", detail: "alpaca sent a frame that is not JSON" }]);
    expect(s.receive('{"T":"t"}')[0]).toMatchObject({ kind: "rejected", reason: "unknown message" });
  });

  it("reads RFC 3339 times to the millisecond without rounding up", () => {
    expect(isoMs("2021-02-22T15:51:44.208999999Z")).toBe("2021-02-22T15:51:44.208Z");
    expect(isoMs("2021-02-22T15:51:44Z")).toBe("2021-02-22T15:51:44.000Z");
    expect(isoMs("2021-02-22T10:51:44.5-05:00")).toBe("2021-02-22T15:51:44.500Z");
    expect(isoMs("2021-02-22")).toBeUndefined();
  });
});
