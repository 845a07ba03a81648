/**
 * Alpaca market data v2, stocks: `wss://stream.data.alpaca.markets/v2/{iex|sip}`. The server greets
 * (`[{"T":"success","msg":"connected"}]`), the client authenticates with its key and secret
 * (`{"action":"auth","key":…,"secret":…}`), the server answers `authenticated` or an error (402 auth failed, …),
 * the client subscribes (`{"action":"subscribe","trades":[…],"quotes":[…]}`) and the server confirms with a
 * `subscription` message listing what it took. Every server message is a JSON array of objects, `T` naming the
 * kind: `t` a trade (`S` symbol, `i` trade id, `p` price, `s` size, `t` RFC 3339 time), `q` a quote (`bp`/`ap`
 * bid and ask, `bs`/`as` their sizes).
 *
 * Alpaca's trade ids (`i`) are not consecutive per symbol, so a gap shows only as time the feed was away: after
 * a reconnection, the first trade of each symbol closes a gap by time from the last trade of it seen before. Its
 * trades are fetched from the historical API, `GET /v2/stocks/{symbol}/trades?start=&end=&limit=&feed=` (`start`
 * and `end` RFC 3339, both included; ascending; at most 10,000 a page, the next by `page_token` from the answer's
 * `next_page_token`; each trade `t`, `x`, `p`, `s`, `c`, `i`, `z` as on the stream), with the key and secret in the
 * `APCA-API-KEY-ID` and `APCA-API-SECRET-KEY` headers. A trade both streamed and fetched (at the window's edges)
 * has one id and is produced once.
 */
import { z } from "zod";
import { uuidFrom } from "../../model/ids";
import { secret as secretRule } from "../../util/fields";
import { feedKit, feedSymbols, restField, symbolsField } from "../kit";
import { parseFrame, quoteEvent, tickEvent } from "./frames";
import type { FeedEvent, FeedProtocol, FeedSession, TimeGap, TradeHistory } from "./types";

export type AlpacaChannel = "trades" | "quotes";

export interface AlpacaOptions {
  /** `iex` (free) or `sip`. */
  dataFeed: "iex" | "sip";
  symbols: string[];
  channels: AlpacaChannel[];
  key: string;
  secret: string;
  /** The environment variables the key and secret came from, for errors. */
  keyNames: { key: string; secret: string };
  /** Overrides the endpoint (a sandbox, a test server). */
  url?: string;
  /** The historical API with the trades (default: the venue's). */
  rest?: string;
}

/** The most trades one page of the historical API gives. */
const PAGE = 10_000;

/** Error codes that retrying cannot change, with what to do. */
const REFUSALS: Record<number, string> = {
  400: "the request was invalid",
  401: "not authenticated",
  402: "the key or secret is wrong",
  403: "already authenticated",
  404: "authentication timed out",
  405: "too many symbols for the plan",
  406: "another connection of this account is open",
  409: "the plan does not include this data feed",
  410: "the subscription was invalid",
};

type Message = Record<string, unknown>;

const FAST = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3,9}Z$/;

/** RFC 3339 with up to nanoseconds → ISO-8601 with milliseconds (truncated, never rounded into the next ms). */
export function isoMs(text: unknown): string | undefined {
  if (typeof text !== "string") return undefined;
  // The common case, UTC with at least milliseconds, is cut to them without a Date.
  if (FAST.test(text)) return `${text.slice(0, 23)}Z`;
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}.${(m[2] ?? "").padEnd(3, "0").slice(0, 3)}${m[3]}`);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

export function alpacaFeed(o: AlpacaOptions): FeedProtocol {
  const url = o.url ?? `wss://stream.data.alpaca.markets/v2/${o.dataFeed}`;
  const source = `alpaca:${o.dataFeed}`;
  // The latest trade seen per symbol (its time as sent, and in epoch ms), kept across connections.
  const last = new Map<string, Latest>();
  return {
    name: "alpaca",
    url,
    shownUrl: url,
    confirms: true,
    history: alpacaHistory(o.rest ?? "https://data.alpaca.markets", o, source),
    resume(latest) {
      for (const t of latest) {
        if (t.source !== source || !o.symbols.includes(t.symbol)) continue;
        const before = last.get(t.symbol);
        if (before === undefined || t.ts > before.ts) last.set(t.symbol, { at: t.ts, ts: t.ts });
      }
    },
    session: () => new AlpacaSession(o, source, last),
  };
}

/** A symbol's latest trade: its time as the venue wrote it, and as the tick's ts. */
interface Latest {
  at: string;
  ts: string;
}

/** A trade (on the stream or from the history): its size is the tick's volume, its trade id the tick's seq. */
function tradeTick(m: Message, symbol: unknown, source: string): FeedEvent {
  const ts = isoMs(m.t);
  if (!ts) return { kind: "rejected", reason: "unparseable date", detail: `alpaca trade time ${JSON.stringify(m.t)} is not RFC 3339` };
  return tickEvent({ symbol, ts, price: m.p, volume: m.s, source, seq: m.i });
}

/** Alpaca's historical trades of one symbol in a window of time, page by page. */
export function alpacaHistory(base: string, o: Pick<AlpacaOptions, "dataFeed" | "key" | "secret">, source: string): TradeHistory<TimeGap> {
  return {
    shownUrl: base,
    headers: { "APCA-API-KEY-ID": o.key, "APCA-API-SECRET-KEY": o.secret },
    request: (gap) =>
      `${base}/v2/stocks/${encodeURIComponent(gap.symbol)}/trades?start=${encodeURIComponent(gap.from)}&end=${encodeURIComponent(gap.to)}&limit=${PAGE}&feed=${o.dataFeed}${gap.cursor ? `&page_token=${encodeURIComponent(gap.cursor)}` : ""}`,
    read({ body }, gap) {
      const b = body as { trades?: unknown; next_page_token?: unknown } | null;
      if (!b || typeof b !== "object" || (b.trades !== null && b.trades !== undefined && !Array.isArray(b.trades)))
        return {
          events: [{ kind: "rejected", reason: "unknown message", detail: "alpaca's historical trades did not answer {trades: […]}" }],
        };
      const trades = (Array.isArray(b.trades) ? b.trades : []) as Message[];
      const events = trades.map((t) => tradeTick(t ?? {}, gap.symbol, source));
      const next = typeof b.next_page_token === "string" && b.next_page_token ? b.next_page_token : undefined;
      return { events, rest: next ? { ...gap, cursor: next } : undefined };
    },
  };
}

class AlpacaSession implements FeedSession {
  /** Symbols with a trade on this connection. */
  private readonly seen = new Set<string>();

  constructor(
    private readonly o: AlpacaOptions,
    private readonly source: string,
    private readonly last: Map<string, Latest>,
  ) {}

  opened(): string[] {
    // The server greets first; the key goes out in answer to the greeting.
    return [];
  }

  receive(frame: string): FeedEvent[] {
    const parsed = parseFrame("alpaca", frame);
    if (!parsed.ok) return [parsed.event];
    const messages = parsed.value;
    if (!Array.isArray(messages))
      return [{ kind: "rejected", reason: "unknown message", detail: "alpaca sent a frame that is not a list of messages" }];
    const out: FeedEvent[] = [];
    for (const m of messages) {
      // A trade is most of a frame: it adds its events itself, without an array of its own.
      if ((m as Message)?.T === "t") this.trade(m as Message, out);
      else out.push(this.message(m as Message));
    }
    return out;
  }

  private message(m: Message): FeedEvent {
    const o = this.o;
    switch (m?.T) {
      case "success":
        if (m.msg === "connected") return { kind: "send", text: JSON.stringify({ action: "auth", key: o.key, secret: o.secret }) };
        if (m.msg === "authenticated") {
          const sub: Record<string, unknown> = { action: "subscribe" };
          for (const c of o.channels) sub[c] = o.symbols;
          return { kind: "send", text: JSON.stringify(sub) };
        }
        return { kind: "ignored" };
      case "error": {
        const code = Number(m.code);
        const why = REFUSALS[code];
        if (!why) return { kind: "rejected", reason: "feed error", detail: `alpaca error ${m.code}: ${String(m.msg)}` };
        const credentials = code === 401 || code === 402 || code === 404;
        return {
          kind: "refused",
          message: `${why} (error ${code}: ${String(m.msg)})`,
          hint: credentials
            ? `check the key in ${o.keyNames.key} and the secret in ${o.keyNames.secret}`
            : code === 409
              ? "use the iex data feed, or a plan that includes sip"
              : undefined,
        };
      }
      case "subscription": {
        for (const c of this.o.channels) {
          const taken = new Set(Array.isArray(m[c]) ? (m[c] as string[]) : []);
          const missing = this.o.symbols.filter((s) => !taken.has(s) && !taken.has("*"));
          if (missing.length)
            return { kind: "refused", message: `the ${c} of ${missing.join(", ")} were not subscribed`, hint: "check the symbols" };
        }
        return { kind: "subscribed", detail: `${this.o.channels.join(" and ")} of ${this.o.symbols.join(", ")}` };
      }
      case "q":
        return this.quote(m);
      default:
        return typeof m?.T === "string" && ["b", "d", "u", "s", "l", "c", "x"].includes(m.T)
          ? { kind: "ignored" }
          : { kind: "rejected", reason: "unknown message", detail: `alpaca message of unknown type ${JSON.stringify(m?.T)}` };
    }
  }

  /**
   * A trade, as a tick (a trade seen twice is one tick); the first of a symbol on a new connection closes the gap
   * by time since the last one seen before.
   */
  private trade(m: Message, out: FeedEvent[]): void {
    const tick = tradeTick(m, m.S, this.source);
    if (tick.kind === "tick") {
      // ISO-8601 UTC times with milliseconds compare as text.
      const { symbol, ts } = tick.tick;
      const before = this.last.get(symbol);
      const later = before === undefined || ts > before.ts;
      if (later) this.last.set(symbol, { at: String(m.t), ts });
      if (!this.seen.has(symbol)) {
        this.seen.add(symbol);
        if (before !== undefined && later)
          out.push({
            kind: "gap",
            missed: 0,
            detail: `${symbol}: trades from ${before.at} to ${String(m.t)} (while the feed was away)`,
            ids: { symbol, from: before.at, to: String(m.t) },
          });
      }
    }
    out.push(tick);
  }

  /** A quote: a tick carrying bid and ask with their sizes, priced at their midpoint, with no volume (docs/records.md). */
  private quote(m: Message): FeedEvent {
    const ts = isoMs(m.t);
    if (!ts) return { kind: "rejected", reason: "unparseable date", detail: `alpaca quote time ${JSON.stringify(m.t)} is not RFC 3339` };
    // Quotes carry no id: the full-precision time, bid and ask make one.
    const id = uuidFrom("stockpipe.quote.alpaca", `${String(m.S)}|${String(m.t)}|${String(m.bp)}|${String(m.ap)}`);
    return quoteEvent({ symbol: m.S, ts, bid: m.bp, ask: m.ap, bidSize: m.bs, askSize: m.as, source: `${this.source}:quotes`, id });
  }
}

export const alpaca = feedKit({
  kind: "alpaca",
  summary: "Alpaca's stocks stream (trades and quotes), gaps repaired from its historical trades",
  fields: {
    symbols: symbolsField("AAPL,MSFT"),
    dataFeed: z.enum(["iex", "sip"]).default("iex").describe("iex (free) or sip"),
    channels: z
      .array(z.enum(["trades", "quotes"]))
      .min(1)
      .default(["trades"])
      .describe("trades, quotes or both"),
    keyEnv: secretRule(z.string().min(1).default("APCA_API_KEY_ID").describe("The environment variable holding the API key"), "env"),
    secretEnv: secretRule(
      z.string().min(1).default("APCA_API_SECRET_KEY").describe("The environment variable holding the API secret"),
      "env",
    ),
    rest: restField,
  },
  protocol: (s, o) =>
    alpacaFeed({
      dataFeed: s.dataFeed,
      symbols: feedSymbols(s.symbols, "AAPL,MSFT"),
      channels: s.channels,
      key: o.credential(s.keyEnv, "keyEnv"),
      secret: o.credential(s.secretEnv, "secretEnv"),
      keyNames: { key: s.keyEnv, secret: s.secretEnv },
      url: s.url,
      rest: s.rest,
    }),
  recorded: (s) => ({
    dataFeed: s.dataFeed,
    symbols: feedSymbols(s.symbols, "AAPL,MSFT"),
    channels: s.channels,
    keyEnv: s.keyEnv,
    secretEnv: s.secretEnv,
  }),
});
