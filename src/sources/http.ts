/**
 * Polls a JSON quote endpoint every `interval` for the given symbols. Response shapes: Yahoo Finance's
 * quoteResponse, Finnhub's /quote, Alpha Vantage's GLOBAL_QUOTE, or any JSON through a map of field → dotted path.
 * The API key comes from an environment variable named by an option and is never logged. 429 and 5xx back off
 * exponentially (honouring Retry-After); a quote that has not changed since the last poll is not re-sent.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { fieldError, UsageError } from "../errors";
import { finalizeTick, type Tick, validateTick } from "../model/tick";
import { parseMarketDate } from "../model/time";
import { secret } from "../util/fields";
import { credentials, sourceKit } from "./kit";
import type { Rejected, Source, SourceItem } from "./types";

export const SHAPES = ["auto", "yahoo", "finnhub", "alphavantage", "generic"] as const;
export type Shape = (typeof SHAPES)[number];

export interface HttpOptions {
  url: string;
  symbols: string[];
  intervalMs: number;
  shape: Shape;
  /** Generic mapping: tick field → dotted path inside each record. */
  map: Record<string, string>;
  /** Dotted path to the array of records (generic shape), when the response is not one record. */
  records?: string;
  apiKey?: string;
  apiKeyHeader?: string;
  timeZone: string;
  maxBackoffMs?: number;
  /** Stop after this many polls (tests); default: until aborted. */
  maxPolls?: number;
  onStatus?: (message: string) => void;
}

type Json = unknown;

export function getPath(obj: Json, path: string): Json {
  let node = obj;
  for (const key of path.split(".")) {
    if (node === null || typeof node !== "object") return undefined;
    node = Array.isArray(node) && /^\d+$/.test(key) ? node[Number(key)] : (node as Record<string, Json>)[key];
  }
  return node;
}

const num = (v: Json): number | undefined =>
  typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" && !Number.isNaN(Number(v)) ? Number(v) : undefined;

/** Raw quote fields of one record, before validation. */
type RawQuote = {
  symbol?: Json;
  ts?: Json;
  price?: Json;
  open?: Json;
  high?: Json;
  low?: Json;
  volume?: Json;
  bid?: Json;
  ask?: Json;
  currency?: Json;
};

export function detectShape(body: Json): Shape {
  if (getPath(body, "quoteResponse.result") !== undefined) return "yahoo";
  if (getPath(body, "Global Quote") !== undefined) return "alphavantage";
  if (body && typeof body === "object" && "c" in body && "t" in body) return "finnhub";
  return "generic";
}

export function extractQuotes(body: Json, shape: Shape, o: Pick<HttpOptions, "map" | "records">, requestedSymbol?: string): RawQuote[] {
  switch (shape === "auto" ? detectShape(body) : shape) {
    case "yahoo":
      return ((getPath(body, "quoteResponse.result") as Json[]) ?? []).map((r) => ({
        symbol: getPath(r, "symbol"),
        ts: getPath(r, "regularMarketTime"),
        price: getPath(r, "regularMarketPrice"),
        open: getPath(r, "regularMarketOpen"),
        high: getPath(r, "regularMarketDayHigh"),
        low: getPath(r, "regularMarketDayLow"),
        volume: getPath(r, "regularMarketVolume"),
        bid: getPath(r, "bid"),
        ask: getPath(r, "ask"),
        currency: getPath(r, "currency"),
      }));
    case "finnhub":
      return [
        {
          symbol: requestedSymbol,
          ts: getPath(body, "t"),
          price: getPath(body, "c"),
          open: getPath(body, "o"),
          high: getPath(body, "h"),
          low: getPath(body, "l"),
        },
      ];
    case "alphavantage": {
      const q = getPath(body, "Global Quote") as Record<string, Json> | undefined;
      if (!q || Object.keys(q).length === 0) return [];
      return [
        {
          symbol: q["01. symbol"],
          ts: q["07. latest trading day"],
          price: q["05. price"],
          open: q["02. open"],
          high: q["03. high"],
          low: q["04. low"],
          volume: q["06. volume"],
        },
      ];
    }
    default: {
      const records = o.records ? getPath(body, o.records) : body;
      const list = Array.isArray(records) ? records : [records];
      return list.map((r) => {
        const q: RawQuote = {};
        for (const [field, path] of Object.entries(o.map)) (q as Record<string, Json>)[field] = getPath(r, path);
        q.symbol ??= requestedSymbol;
        return q;
      });
    }
  }
}

export function quoteToItem(q: RawQuote, source: string, seq: number, timeZone: string, url: string): SourceItem {
  const raw = JSON.stringify(q);
  const rejected = (reason: string, detail: string): Rejected => ({ kind: "rejected", reason, detail, url, raw });
  let eventMs: number | undefined;
  if (typeof q.ts === "number") eventMs = q.ts < 1e11 ? q.ts * 1000 : q.ts;
  else if (typeof q.ts === "string") eventMs = parseMarketDate(q.ts, timeZone);
  if (eventMs === undefined) return rejected("unparseable date", `cannot read the quote time ${JSON.stringify(q.ts)}`);
  const tick: Record<string, unknown> = {
    symbol: typeof q.symbol === "string" ? q.symbol.toUpperCase() : q.symbol,
    ts: new Date(eventMs).toISOString(),
    price: num(q.price) ?? q.price,
  };
  for (const f of ["open", "high", "low", "bid", "ask", "volume"] as const) {
    const v = q[f];
    if (v === undefined || v === null) continue;
    tick[f] = num(v) ?? v;
  }
  if (typeof q.currency === "string") tick.currency = q.currency.toUpperCase();
  tick.source = source;
  tick.seq = seq;
  const invalid = validateTick(tick);
  if (invalid) return rejected(invalid.reason, invalid.detail);
  return { kind: "tick", tick: finalizeTick(tick as unknown as Tick), eventMs };
}

/** The URL as it may be printed: the API key replaced. */
export function redactUrl(url: string, apiKey?: string): string {
  return apiKey ? url.split(encodeURIComponent(apiKey)).join("***").split(apiKey).join("***") : url;
}

export class HttpSource implements Source {
  readonly name: string;
  private lastSeen = new Map<string, string>();
  private seq = 0;

  constructor(private readonly o: HttpOptions) {
    let host = "feed";
    try {
      host = new URL(o.url.replace(/\{[a-zA-Z]+\}/g, "x")).host;
    } catch {
      throw fieldError(UsageError, (n) => [`${n("url")} ${JSON.stringify(o.url)} is not a URL`]);
    }
    this.name = `http:${host}`;
    if (
      !o.url.includes("{symbol}") &&
      !o.url.includes("{symbols}") &&
      o.symbols.length > 0 &&
      o.shape !== "generic" &&
      o.shape !== "yahoo" &&
      o.shape !== "auto"
    ) {
      throw fieldError(UsageError, (n) => [
        `${n("url")} needs {symbol} (one request per symbol) or {symbols} (one request for all) for this ${n("shape")}`,
      ]);
    }
  }

  async open(): Promise<void> {}

  private urls(): { url: string; symbol?: string }[] {
    const withKey = (u: string) => u.replace(/\{apiKey\}/g, encodeURIComponent(this.o.apiKey ?? ""));
    if (this.o.url.includes("{symbol}"))
      return this.o.symbols.map((s) => ({ url: withKey(this.o.url.replace(/\{symbol\}/g, encodeURIComponent(s))), symbol: s }));
    return [{ url: withKey(this.o.url.replace(/\{symbols\}/g, this.o.symbols.map(encodeURIComponent).join(","))) }];
  }

  async *items(signal: AbortSignal): AsyncGenerator<SourceItem> {
    let backoff = 0;
    for (let poll = 0; !signal.aborted && (this.o.maxPolls === undefined || poll < this.o.maxPolls); poll++) {
      const started = Date.now();
      let throttled: number | undefined;
      for (const { url, symbol } of this.urls()) {
        if (signal.aborted) return;
        const shown = redactUrl(url, this.o.apiKey);
        let res: Response;
        try {
          res = await fetch(url, {
            signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]),
            headers:
              this.o.apiKeyHeader && this.o.apiKey
                ? { [this.o.apiKeyHeader]: this.o.apiKey, accept: "application/json" }
                : { accept: "application/json" },
          });
        } catch (err) {
          if (signal.aborted) return;
          this.o.onStatus?.(`${shown}: ${(err as Error).message}; retrying`);
          throttled = Math.max(throttled ?? 0, 0);
          continue;
        }
        if (res.status === 429 || res.status >= 500) {
          const retryAfter = Number(res.headers.get("retry-after"));
          throttled = Math.max(throttled ?? 0, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 0);
          this.o.onStatus?.(`${shown}: HTTP ${res.status}; backing off`);
          await res.body?.cancel();
          continue;
        }
        if (!res.ok) {
          yield {
            kind: "rejected",
            reason: `HTTP ${res.status}`,
            detail: `${shown} answered HTTP ${res.status} ${res.statusText}`,
            url: shown,
            raw: (await res.text()).slice(0, 500),
          };
          continue;
        }
        const text = await res.text();
        let body: Json;
        try {
          body = JSON.parse(text);
        } catch {
          yield { kind: "rejected", reason: "not JSON", detail: `${shown} did not answer JSON`, url: shown, raw: text.slice(0, 500) };
          continue;
        }
        for (const q of extractQuotes(body, this.o.shape, this.o, symbol)) {
          const item = quoteToItem(q, this.name, this.seq, this.o.timeZone, shown);
          if (item.kind === "tick") {
            // Unchanged since the last poll: same time, price and volume. Not a new tick.
            const { symbol: s, ts, price, volume, bid, ask } = item.tick;
            const fingerprint = JSON.stringify([ts, price, volume, bid, ask]);
            if (this.lastSeen.get(s) === fingerprint) continue;
            this.lastSeen.set(s, fingerprint);
            this.seq++;
          }
          yield item;
        }
      }
      if (throttled !== undefined) {
        backoff = Math.min(this.o.maxBackoffMs ?? 60_000, Math.max(throttled, backoff ? backoff * 2 : this.o.intervalMs));
      } else {
        backoff = 0;
      }
      const wait = backoff || Math.max(0, this.o.intervalMs - (Date.now() - started));
      if (this.o.maxPolls !== undefined && poll + 1 >= this.o.maxPolls) return;
      await sleep(wait, undefined, { signal }).catch(() => {});
    }
  }

  async close(): Promise<void> {}
}

/** The shortest time between two polls of an HTTP feed. */
export const MIN_POLL_MS = 100;

export const http = sourceKit({
  kind: "http",
  summary: "a JSON quote endpoint polled for the symbols (Yahoo Finance, Finnhub, Alpha Vantage, or mapped)",
  fields: {
    url: secret(
      z
        .string({ error: "is needed: the quote endpoint, e.g. 'https://example.com/quote?symbol={symbol}'" })
        .min(1)
        .describe("The quote endpoint; {symbol} or {symbols} and {apiKey} are filled in"),
      "url",
    ),
    symbols: z.array(z.string().min(1), { error: "must be a list of tickers, e.g. AAPL,MSFT" }).default([]).describe("The symbols to poll"),
    intervalMs: z.number().default(2000).describe("Time between polls, ms"),
    shape: z.enum(SHAPES).default("auto").describe("The response's layout"),
    map: z.record(z.string(), z.string()).default({}).describe("Tick field → dotted path in the response (generic shape)"),
    records: z.string().min(1).optional().describe("Dotted path to the array of records in a response (generic shape)"),
    apiKeyEnv: secret(z.string().min(1).optional().describe("The environment variable holding the API key"), "env"),
    apiKeyHeader: z.string().min(1).optional().describe("Send the key in this header instead of the URL's {apiKey}"),
  },
  async create(s, ctx) {
    if (s.intervalMs < MIN_POLL_MS)
      throw fieldError(UsageError, (n) => [
        `${n("intervalMs")} ${s.intervalMs}ms must be a duration of at least ${MIN_POLL_MS}ms, e.g. 2s`,
      ]);
    if (s.shape === "generic" && (!s.map.price || !s.map.ts))
      throw fieldError(UsageError, (n) => [
        `${n("shape")} generic needs ${n("map")} with at least price=… and ts=… (dotted paths into the response)`,
      ]);
    const apiKey = s.apiKeyEnv ? credentials(ctx.env ?? process.env)(s.apiKeyEnv, "apiKeyEnv") : undefined;
    return new HttpSource({
      url: s.url,
      symbols: s.symbols,
      intervalMs: s.intervalMs,
      shape: s.shape,
      map: s.map,
      records: s.records,
      apiKey,
      apiKeyHeader: s.apiKeyHeader,
      timeZone: ctx.timeZone,
    });
  },
});
