/**
 * Finnhub's trades WebSocket: `wss://ws.finnhub.io?token=<token>`. The client subscribes one symbol a message
 * (`{"type":"subscribe","symbol":"AAPL"}`); the server sends `{"type":"trade","data":[{"s","p","t","v","c"}…]}`
 * (symbol, price, Unix ms, volume, conditions), `{"type":"ping"}` to keep the connection, and
 * `{"type":"error","msg":…}`. It confirms nothing: data (or a ping) is the confirmation. A bad token is refused
 * at the handshake.
 *
 * Finnhub trades carry no id. A tick's id is made from the trade's fields and how many identical trades came
 * before it in the same frame, so a trade sent again after a reconnection gets the same id.
 */
import { z } from "zod";
import { uuidFrom } from "../../model/ids";
import { secret } from "../../util/fields";
import { feedKit, feedSymbols, symbolsField } from "../kit";
import { parseFrame, tickEvent } from "./frames";
import type { FeedEvent, FeedProtocol, FeedSession } from "./types";

export interface FinnhubOptions {
  symbols: string[];
  token: string;
  /** Overrides the endpoint; `{token}` in it is replaced by the token. */
  url?: string;
}

export function finnhubFeed(o: FinnhubOptions): FeedProtocol {
  const template = o.url ?? "wss://ws.finnhub.io?token={token}";
  const withToken = template.includes("{token}") ? template : `${template}${template.includes("?") ? "&" : "?"}token={token}`;
  return {
    name: "finnhub",
    url: withToken.replace("{token}", encodeURIComponent(o.token)),
    shownUrl: withToken.replace("{token}", "***"),
    confirms: false,
    session: (): FeedSession => ({
      opened: () => o.symbols.map((symbol) => JSON.stringify({ type: "subscribe", symbol })),
      receive: decodeFinnhub,
    }),
  };
}

export function decodeFinnhub(frame: string): FeedEvent[] {
  const parsed = parseFrame("finnhub", frame);
  if (!parsed.ok) return [parsed.event];
  const m = parsed.value as Record<string, unknown>;
  if (m?.type === "ping") return [{ kind: "ignored" }];
  if (m?.type === "error") return [{ kind: "refused", message: `finnhub error: ${String(m.msg)}`, hint: "check the symbols and the plan" }];
  if (m?.type !== "trade" || !Array.isArray(m.data))
    return [{ kind: "rejected", reason: "unknown message", detail: `finnhub message of unknown type ${JSON.stringify(m?.type)}` }];
  const seen = new Map<string, number>();
  return (m.data as Record<string, unknown>[]).map((t): FeedEvent => {
    const ms = typeof t?.t === "number" ? t.t : Number.NaN;
    if (!Number.isFinite(ms))
      return { kind: "rejected", reason: "unparseable date", detail: `finnhub trade time ${JSON.stringify(t?.t)} is not Unix ms` };
    const identity = `${String(t.s)}|${ms}|${String(t.p)}|${String(t.v)}|${Array.isArray(t.c) ? t.c.join(",") : ""}`;
    const nth = seen.get(identity) ?? 0;
    seen.set(identity, nth + 1);
    return tickEvent({
      symbol: t.s,
      ts: new Date(ms).toISOString(),
      price: t.p,
      volume: t.v,
      source: "finnhub",
      id: uuidFrom("stockpipe.trade.finnhub", `${identity}|${nth}`),
    });
  });
}

export const finnhub = feedKit({
  kind: "finnhub",
  summary: "Finnhub's trades WebSocket (no trade history: gaps cannot be repaired)",
  fields: {
    symbols: symbolsField("AAPL,MSFT"),
    tokenEnv: secret(z.string().min(1).default("FINNHUB_TOKEN").describe("The environment variable holding the token"), "env"),
  },
  protocol: (s, o) =>
    finnhubFeed({ symbols: feedSymbols(s.symbols, "AAPL,MSFT"), token: o.credential(s.tokenEnv, "tokenEnv"), url: s.url }),
  recorded: (s) => ({ symbols: feedSymbols(s.symbols, "AAPL,MSFT"), tokenEnv: s.tokenEnv }),
});
