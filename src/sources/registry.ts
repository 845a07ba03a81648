/**
 * Sources by kind: a typed spec in, a `Source` out. The command layer turns flags (or, later, a config list of
 * sources) into a spec; each factory checks what the spec's values mean and names the option at fault.
 */

import { existsSync } from "node:fs";
import { fieldError, RuntimeError, UsageError } from "../errors";
import type { CalendarBook } from "../model/calendar";
import { SYMBOL_PATTERN } from "../model/tick";
import { checkMap } from "./csv/layout";
import type { AlpacaChannel } from "./feeds/alpaca";
import type { FeedTuning } from "./feeds/source";
import type { FeedConnectionEvents, FeedProtocol } from "./feeds/types";
import type { Shape } from "./http";
import type { Source } from "./types";

export interface CsvSpec {
  kind: "csv";
  /** A path, or "-" for stdin. */
  file: string;
  /** Tick field → column name, for what the header does not say by itself. */
  map?: Record<string, string>;
  /** The symbol of a file without a symbol column. */
  symbol?: string;
  loop?: boolean;
}

export interface SyntheticSpec {
  kind: "synthetic";
  /** Tickers, or a number of generated ones (default: five large US stocks). */
  symbols?: string[] | number;
  /** Makes the stream reproducible; with a seed the clock starts at a fixed trading-day open unless `startMs` says. */
  seed?: number;
  startMs?: number;
  /** Simulated ticks per second (default 1000). */
  rate?: number;
}

export interface HttpSpec {
  kind: "http";
  url: string;
  symbols: string[];
  intervalMs: number;
  shape: Shape;
  /** Tick field → dotted path (generic shape). */
  map?: Record<string, string>;
  records?: string;
  /** The environment variable holding the API key (the key itself is never an option). */
  apiKeyEnv?: string;
  apiKeyHeader?: string;
}

/** What every streaming feed may take. */
interface FeedCommon {
  /** Overrides the feed's endpoint (a vendor's sandbox, a test server). */
  url?: string;
  /** Records every raw frame to this file (JSON lines), for a replay. */
  record?: string;
}

export interface AlpacaSpec extends FeedCommon {
  kind: "alpaca";
  symbols: string[];
  dataFeed: "iex" | "sip";
  channels: AlpacaChannel[];
  /** The environment variables holding the key and the secret. */
  keyEnv: string;
  secretEnv: string;
  /** The historical API whose trades repair gaps (default: the venue's). */
  rest?: string;
}

export interface FinnhubSpec extends FeedCommon {
  kind: "finnhub";
  symbols: string[];
  /** The environment variable holding the token. */
  tokenEnv: string;
}

export interface CoinbaseSpec extends FeedCommon {
  kind: "coinbase";
  /** Product ids: BTC-USD, ETH-EUR, … */
  symbols: string[];
  /** The REST API whose trade history repairs gaps (default: the venue's). */
  rest?: string;
}

export interface BinanceSpec extends FeedCommon {
  kind: "binance";
  /** Binance's symbols: BTCUSDT, ETHBTC, … */
  symbols: string[];
  /** The REST API whose trade history repairs gaps (default: the venue's). */
  rest?: string;
}

export interface WsSpec extends FeedCommon {
  kind: "ws";
  url: string;
  /** Sent on every connection, as it is. */
  subscribe?: string;
  /** Tick field → dotted path in each record. */
  map: Record<string, string>;
  records?: string;
  symbol?: string;
}

export interface ReplaySpec {
  kind: "replay";
  /** A recording made with `record`. */
  file: string;
  /** The feed whose decoder reads it (default: the one the recording names). */
  feed?: string;
  /** Times faster than recorded; undefined: as fast as it goes. */
  speed?: number;
}

export type FeedSpec = AlpacaSpec | FinnhubSpec | CoinbaseSpec | BinanceSpec | WsSpec;
export type SourceSpec = CsvSpec | SyntheticSpec | HttpSpec | FeedSpec | ReplaySpec;
export type SourceKind = SourceSpec["kind"];
export const SOURCE_KINDS: readonly SourceKind[] = ["csv", "synthetic", "http", "alpaca", "finnhub", "coinbase", "binance", "ws", "replay"];
export const FEED_KINDS: readonly FeedSpec["kind"][] = ["alpaca", "finnhub", "coinbase", "binance", "ws"];

/** What every source may need from the config. */
export interface SourceContext {
  /** For local times in files and feeds. */
  timeZone: string;
  /** The symbols' exchange calendars: a file's date without a time is stamped at the session's open. */
  calendars?: CalendarBook;
  /** Where API keys are read from (default: this process's environment). */
  env?: NodeJS.ProcessEnv;
  /** How streaming feeds' connections behave (config `feeds`). */
  feeds?: FeedTuning;
  /** A streaming feed's connection events (connected, reconnecting, gaps). */
  feedEvents?: FeedConnectionEvents;
}

const DEFAULT_TUNING: FeedTuning = {
  silenceMs: 30_000,
  pingMs: 10_000,
  subscribeTimeoutMs: 10_000,
  backoffMs: 500,
  maxBackoffMs: 30_000,
  maxFrameBytes: 16 * 1024 * 1024,
  dedupWindow: 10_000,
  repair: { enabled: true, maxTrades: 100_000, maxSeconds: 20 },
};

/** The most generated symbols a simulator makes. */
export const MAX_GENERATED_SYMBOLS = 100_000;
/** The shortest time between two polls of an HTTP feed. */
export const MIN_POLL_MS = 100;

export async function createSource(spec: SourceSpec, ctx: SourceContext): Promise<Source> {
  switch (spec.kind) {
    case "csv": {
      const { CsvSource } = await import("./csv/source");
      return new CsvSource({
        file: spec.file,
        timeZone: ctx.timeZone,
        calendars: ctx.calendars,
        map: checkMap(spec.map ?? {}),
        symbol: spec.symbol?.toUpperCase(),
        loop: Boolean(spec.loop),
      });
    }
    case "synthetic": {
      const { SyntheticSource } = await import("./synthetic");
      const symbols = spec.symbols ?? ["AAPL", "MSFT", "GOOG", "AMZN", "NVDA"];
      checkSymbols(symbols, true);
      // Reproducible streams need a fixed start: with a seed the clock starts at a fixed trading-day open.
      const startMs = spec.startMs ?? (spec.seed !== undefined ? Date.parse("2024-01-02T14:30:00.000Z") : undefined);
      return new SyntheticSource({ symbols, seed: spec.seed, startMs, eventRate: spec.rate ?? 1000 });
    }
    case "http": {
      const { HttpSource, SHAPES } = await import("./http");
      checkSymbols(spec.symbols, false);
      if (spec.intervalMs < MIN_POLL_MS)
        throw fieldError(UsageError, (n) => [
          `${n("interval")} ${spec.intervalMs}ms must be a duration of at least ${MIN_POLL_MS}ms, e.g. 2s`,
        ]);
      if (!SHAPES.includes(spec.shape)) throw fieldError(UsageError, (n) => [`${n("shape")} ${spec.shape}: choose ${SHAPES.join(", ")}`]);
      const map = spec.map ?? {};
      if (spec.shape === "generic" && (!map.price || !map.ts))
        throw fieldError(UsageError, (n) => [
          `${n("shape")} generic needs ${n("map")} with at least price=… and ts=… (dotted paths into the response)`,
        ]);
      let apiKey: string | undefined;
      if (spec.apiKeyEnv) {
        apiKey = (ctx.env ?? process.env)[spec.apiKeyEnv];
        if (!apiKey) throw fieldError(UsageError, (n) => [`${n("apiKeyEnv")} ${spec.apiKeyEnv}: that environment variable is not set`]);
      }
      return new HttpSource({
        url: spec.url,
        symbols: spec.symbols,
        intervalMs: spec.intervalMs,
        shape: spec.shape,
        map,
        records: spec.records,
        apiKey,
        apiKeyHeader: spec.apiKeyHeader,
        timeZone: ctx.timeZone,
      });
    }
    case "alpaca":
    case "finnhub":
    case "coinbase":
    case "binance":
    case "ws": {
      const { FeedSource } = await import("./feeds/source");
      const { protocol, options } = await feedProtocol(spec, ctx);
      return new FeedSource({
        protocol,
        tuning: ctx.feeds ?? DEFAULT_TUNING,
        record: spec.record ? { file: spec.record, options } : undefined,
        events: ctx.feedEvents,
      });
    }
    case "replay": {
      const { ReplaySource, readHeader } = await import("./feeds/recording");
      if (!existsSync(spec.file)) throw fieldError(RuntimeError, (n) => [`${n("file")} ${spec.file} does not exist`]);
      const header = await readHeader(spec.file);
      const feed = spec.feed ?? header.feed;
      if (!FEED_KINDS.includes(feed as FeedSpec["kind"]))
        throw fieldError(UsageError, (n) => [`${n("feed")} ${feed}: choose ${FEED_KINDS.join(", ")}`]);
      // The recorded options rebuild the decoder; credentials are not needed to decode.
      const recorded = { ...header.options, kind: feed } as unknown as FeedSpec;
      const { protocol } = await feedProtocol(recorded, ctx, true);
      if (spec.speed !== undefined && !(spec.speed > 0))
        throw fieldError(UsageError, (n) => [`${n("speed")} ${spec.speed} must be a positive number`]);
      return new ReplaySource({
        file: spec.file,
        protocol,
        speed: spec.speed,
        events: ctx.feedEvents,
        gapsRecorded: header.gaps === "recorded",
      });
    }
  }
}

/** A feed's protocol from its spec, and the options a recording keeps to decode the same way (no secrets). */
async function feedProtocol(
  spec: FeedSpec,
  ctx: SourceContext,
  replay = false,
): Promise<{ protocol: FeedProtocol; options: Record<string, unknown> }> {
  const env = ctx.env ?? process.env;
  const secret = (name: string, field: string) => {
    if (replay) return "";
    const value = env[name];
    if (!value) throw fieldError(UsageError, (n) => [`${n(field)} ${name}: that environment variable is not set`]);
    return value;
  };
  switch (spec.kind) {
    case "alpaca": {
      const { alpacaFeed } = await import("./feeds/alpaca");
      checkSymbols(spec.symbols, false);
      if (spec.symbols.length === 0)
        throw fieldError(UsageError, (n) => [`${n("symbols")} is needed: the symbols to stream, e.g. AAPL,MSFT`]);
      const protocol = alpacaFeed({
        dataFeed: spec.dataFeed,
        symbols: spec.symbols,
        channels: spec.channels,
        key: secret(spec.keyEnv, "keyEnv"),
        secret: secret(spec.secretEnv, "secretEnv"),
        keyNames: { key: spec.keyEnv, secret: spec.secretEnv },
        url: spec.url,
        rest: restFlag(spec.rest),
      });
      return {
        protocol,
        options: {
          dataFeed: spec.dataFeed,
          symbols: spec.symbols,
          channels: spec.channels,
          keyEnv: spec.keyEnv,
          secretEnv: spec.secretEnv,
        },
      };
    }
    case "finnhub": {
      const { finnhubFeed } = await import("./feeds/finnhub");
      checkSymbols(spec.symbols, false);
      if (spec.symbols.length === 0)
        throw fieldError(UsageError, (n) => [`${n("symbols")} is needed: the symbols to stream, e.g. AAPL,MSFT`]);
      const protocol = finnhubFeed({ symbols: spec.symbols, token: secret(spec.tokenEnv, "tokenEnv"), url: spec.url });
      return { protocol, options: { symbols: spec.symbols, tokenEnv: spec.tokenEnv } };
    }
    case "coinbase": {
      const { coinbaseFeed } = await import("./feeds/coinbase");
      const symbols = feedSymbols(spec.symbols, "BTC-USD,ETH-USD");
      return { protocol: coinbaseFeed({ symbols, url: spec.url, rest: restFlag(spec.rest) }), options: { symbols } };
    }
    case "binance": {
      const { binanceFeed } = await import("./feeds/binance");
      const symbols = feedSymbols(spec.symbols, "BTCUSDT,ETHUSDT");
      return { protocol: binanceFeed({ symbols, url: spec.url, rest: restFlag(spec.rest) }), options: { symbols } };
    }
    case "ws": {
      const { genericFeed } = await import("./feeds/generic");
      if (!spec.map.price || !spec.map.ts)
        throw fieldError(UsageError, (n) => [`${n("map")} needs at least price=… and ts=… (dotted paths into each record)`]);
      if (!spec.map.symbol && !spec.symbol) throw fieldError(UsageError, (n) => [`${n("map")} needs symbol=… (or pass ${n("symbol")})`]);
      const protocol = genericFeed({
        url: spec.url,
        subscribe: spec.subscribe,
        map: spec.map,
        records: spec.records,
        symbol: spec.symbol,
        timeZone: ctx.timeZone,
      });
      return { protocol, options: { url: protocol.shownUrl, map: spec.map, records: spec.records, symbol: spec.symbol } };
    }
  }
}

/** A REST API's base URL: http(s), without a trailing slash. */
function restFlag(rest: string | undefined): string | undefined {
  if (rest === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(rest);
  } catch {}
  if (!url || !/^https?:$/.test(url.protocol))
    throw fieldError(UsageError, (n) => [`${n("rest")} ${rest} is not an http(s) URL, e.g. https://api.exchange.coinbase.com`]);
  return rest.replace(/\/+$/, "");
}

/** A crypto venue's symbols, upper case, each a valid tick symbol. */
function feedSymbols(symbols: string[], example: string): string[] {
  checkSymbols(symbols, false);
  if (symbols.length === 0) throw fieldError(UsageError, (n) => [`${n("symbols")} is needed: the symbols to stream, e.g. ${example}`]);
  const upper = symbols.map((s) => s.toUpperCase());
  const bad = upper.find((s) => !SYMBOL_PATTERN.test(s));
  if (bad) throw fieldError(UsageError, (n) => [`${n("symbols")}: ${JSON.stringify(bad)} is not a symbol, e.g. ${example}`]);
  return upper;
}

function checkSymbols(symbols: string[] | number, generated: boolean): void {
  if (typeof symbols === "number") {
    if (!generated) throw fieldError(UsageError, (n) => [`${n("symbols")} must be a list of tickers, e.g. AAPL,MSFT`]);
    if (!Number.isInteger(symbols) || symbols < 1 || symbols > MAX_GENERATED_SYMBOLS)
      throw fieldError(UsageError, (n) => [
        `${n("symbols")} ${symbols}: give 1 to ${MAX_GENERATED_SYMBOLS} generated symbols, or a list like AAPL,MSFT`,
      ]);
  } else if (symbols.length === 0 && generated) throw fieldError(UsageError, (n) => [`${n("symbols")} is empty`]);
}
