/**
 * Binance spot trade streams: `wss://stream.binance.com:9443/ws`, public, no key. The client subscribes with
 * `{"method":"SUBSCRIBE","params":["btcusdt@trade",…],"id":1}` (stream names are lower case) and the server
 * answers `{"result":null,"id":1}`, or an error `{"code":2,"msg":"Invalid request: …","id":1}`. Each trade is
 * `{"e":"trade","E":event ms,"s":"BTCUSDT","t":trade id,"p":"price","q":"quantity","T":trade ms,"m":…,"M":…}`
 * (wrapped as `{"stream":…,"data":{…}}` on a combined-stream endpoint). The server pings every 20 seconds; the
 * socket answers with pongs. Binance takes any stream name: a symbol it does not list is subscribed and sends
 * nothing.
 *
 * The trade id `t` is the tick's `seq`, so a trade received twice is the same tick; `T`, the trade time, its `ts`.
 */
import { decimal, parseFrame, tickEvent } from "./frames";
import type { FeedEvent, FeedProtocol, FeedSession } from "./types";

export interface BinanceOptions {
  /** Symbols as Binance lists them: BTCUSDT, ETHBTC, … */
  symbols: string[];
  /** Overrides the endpoint (the testnet, a test server). */
  url?: string;
}

type Message = Record<string, unknown>;

const SUBSCRIBE_ID = 1;

export function binanceFeed(o: BinanceOptions): FeedProtocol {
  const url = o.url ?? "wss://stream.binance.com:9443/ws";
  return {
    name: "binance",
    url,
    shownUrl: url,
    confirms: true,
    session: (): FeedSession => ({
      opened: () => [JSON.stringify({ method: "SUBSCRIBE", params: o.symbols.map((s) => `${s.toLowerCase()}@trade`), id: SUBSCRIBE_ID })],
      receive: (frame) => decodeBinance(frame, o.symbols),
    }),
  };
}

export function decodeBinance(frame: string, symbols: string[]): FeedEvent[] {
  const parsed = parseFrame("binance", frame);
  if (!parsed.ok) return [parsed.event];
  let m = parsed.value as Message;
  if (m && typeof m.stream === "string" && typeof m.data === "object") m = m.data as Message;
  if (m?.e === "trade") return [trade(m)];
  if (m && "id" in m && !("e" in m)) {
    // The answer to a request: null result for a subscription taken, or an error.
    const error = (m.error ?? (m.code !== undefined ? m : undefined)) as Message | undefined;
    if (error)
      return [
        {
          kind: "refused",
          message: `binance refused the subscription to ${symbols.join(", ")} (error ${String(error.code)}: ${String(error.msg)})`,
          hint: "check --symbols: Binance's own symbols, e.g. BTCUSDT,ETHBTC",
        },
      ];
    if (m.id === SUBSCRIBE_ID && m.result === null) return [{ kind: "subscribed", detail: `trades of ${symbols.join(", ")}` }];
    return [{ kind: "ignored" }];
  }
  return [{ kind: "rejected", reason: "unknown message", detail: `binance message of unknown type ${JSON.stringify(m?.e)}` }];
}

function trade(m: Message): FeedEvent {
  const ms = m.T;
  if (typeof ms !== "number" || !Number.isFinite(ms))
    return { kind: "rejected", reason: "unparseable date", detail: `binance trade time ${JSON.stringify(ms)} is not Unix ms` };
  return tickEvent({
    symbol: m.s,
    ts: new Date(ms).toISOString(),
    price: decimal(m.p),
    volume: decimal(m.q),
    source: "binance",
    seq: m.t,
  });
}
