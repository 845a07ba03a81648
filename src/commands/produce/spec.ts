/** `produce`'s source flags as a typed source spec; the source's own errors name its options, worded here with flags. */
import { existsSync, readFileSync } from "node:fs";
import { UsageError } from "../../errors";
import { parseDuration } from "../../model/time";
import type { AlpacaChannel } from "../../sources/feeds/alpaca";
import type { Shape } from "../../sources/http";
import type { SourceKind, SourceSpec } from "../../sources/registry";

export interface SourceFlags {
  file?: string;
  symbol?: string;
  map?: string;
  loop?: boolean;
  symbols?: string;
  seed?: string;
  start?: string;
  rate?: string;
  url?: string;
  restUrl?: string;
  interval?: string;
  shape?: string;
  records?: string;
  apiKeyEnv?: string;
  apiKeyHeader?: string;
  apiSecretEnv?: string;
  dataFeed?: string;
  channels?: string;
  subscribe?: string;
  record?: string;
  feed?: string;
  /** Replay: times faster than recorded (a number or max). */
  speed?: string;
}

/** The flag of each source option, for errors the sources raise. */
export const SOURCE_FLAG_NAMES: Record<string, string> = {
  file: "--file",
  symbol: "--symbol",
  map: "--map",
  loop: "--loop",
  symbols: "--symbols",
  seed: "--seed",
  startMs: "--start",
  rate: "--rate",
  url: "--url",
  rest: "--rest-url",
  interval: "--interval",
  shape: "--shape",
  records: "--records",
  apiKeyEnv: "--api-key-env",
  apiKeyHeader: "--api-key-header",
  rejectFile: "--reject-file",
  keyEnv: "--api-key-env",
  secretEnv: "--api-secret-env",
  tokenEnv: "--api-key-env",
  record: "--record",
  feed: "--feed",
  speed: "--speed",
  subscribe: "--subscribe",
};

/** Conventional names of the vendors' credentials in the environment. */
export const CREDENTIAL_ENV = { alpaca: { key: "APCA_API_KEY_ID", secret: "APCA_API_SECRET_KEY" }, finnhub: "FINNHUB_TOKEN" };

export function sourceSpec(kind: SourceKind, f: SourceFlags): SourceSpec {
  switch (kind) {
    case "csv":
      if (!f.file) throw new UsageError("--source csv needs --file PATH (or --file - for stdin)");
      return { kind, file: f.file, map: pairs(f.map, "column", "price=Last"), symbol: f.symbol, loop: Boolean(f.loop) };
    case "synthetic":
      return {
        kind,
        symbols: symbolsFlag(f.symbols),
        seed: seedFlag(f.seed),
        startMs: startFlag(f.start),
        rate: f.rate !== undefined ? Number(f.rate) : undefined,
      };
    case "http": {
      if (!f.url) throw new UsageError("--source http needs --url URL, e.g. 'https://example.com/quote?symbol={symbol}'");
      const symbols = symbolsFlag(f.symbols);
      if (typeof symbols === "number") throw new UsageError("--source http needs --symbols as a list, e.g. AAPL,MSFT");
      const intervalMs = parseDuration(f.interval ?? "2s");
      if (intervalMs === undefined) throw new UsageError(`--interval ${f.interval} must be a duration of at least 100ms, e.g. 2s`);
      return {
        kind,
        url: f.url,
        symbols: symbols ?? [],
        intervalMs,
        shape: (f.shape ?? "auto") as Shape,
        map: pairs(f.map, "dotted.path", "price=data.last"),
        records: f.records,
        apiKeyEnv: f.apiKeyEnv,
        apiKeyHeader: f.apiKeyHeader,
      };
    }
    case "alpaca":
      return {
        kind,
        symbols: listFlag(f.symbols, "--symbols"),
        dataFeed: oneOf(f.dataFeed ?? "iex", ["iex", "sip"], "--data-feed"),
        channels: listFlag(f.channels ?? "trades", "--channels").map((c) =>
          oneOf(c.toLowerCase(), ["trades", "quotes"], "--channels"),
        ) as AlpacaChannel[],
        keyEnv: f.apiKeyEnv ?? CREDENTIAL_ENV.alpaca.key,
        secretEnv: f.apiSecretEnv ?? CREDENTIAL_ENV.alpaca.secret,
        url: f.url,
        rest: f.restUrl,
        record: f.record,
      };
    case "finnhub":
      return {
        kind,
        symbols: listFlag(f.symbols, "--symbols"),
        tokenEnv: f.apiKeyEnv ?? CREDENTIAL_ENV.finnhub,
        url: f.url,
        record: f.record,
      };
    case "coinbase":
    case "binance":
      return { kind, symbols: listFlag(f.symbols, "--symbols"), url: f.url, rest: f.restUrl, record: f.record };
    case "ws":
      if (!f.url) throw new UsageError("--source ws needs --url wss://…");
      return {
        kind,
        url: f.url,
        subscribe: subscribeFlag(f.subscribe),
        map: pairs(f.map, "dotted.path", "price=data.p"),
        records: f.records,
        symbol: f.symbol?.toUpperCase(),
        record: f.record,
      };
    case "replay": {
      if (!f.file) throw new UsageError("--source replay needs --file RECORDING (made with --record)");
      const speed = f.speed === undefined ? 1 : f.speed === "max" ? undefined : Number(f.speed);
      if (speed !== undefined && !(speed > 0)) throw new UsageError(`--speed ${f.speed} must be a positive number or max`);
      return { kind, file: f.file, feed: f.feed, speed };
    }
  }
}

/** `--subscribe '{…}'` as it is, or `--subscribe @file.json` read from the file. */
function subscribeFlag(value: string | undefined): string | undefined {
  if (value === undefined || !value.startsWith("@")) return value;
  const path = value.slice(1);
  if (!existsSync(path)) throw new UsageError(`--subscribe ${value}: no file ${path}`);
  return readFileSync(path, "utf8").trim();
}

function listFlag(value: string | undefined, flag: string): string[] {
  const list = (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (flag === "--symbols") return list.map((s) => s.toUpperCase());
  if (list.length === 0) throw new UsageError(`${flag} is empty`);
  return list;
}

function oneOf<T extends string>(value: string, choices: readonly T[], flag: string): T {
  if (!(choices as readonly string[]).includes(value)) throw new UsageError(`${flag} ${value}: choose ${choices.join(", ")}`);
  return value as T;
}

/** `--map a=b,c=d` as { a: "b", c: "d" }. */
function pairs(value: string | undefined, what: string, example: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (value ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = pair.indexOf("=");
    if (eq <= 0 || !pair.slice(eq + 1).trim()) throw new UsageError(`--map entry "${pair}" must be field=${what}, e.g. ${example}`);
    out[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return out;
}

/** `--symbols AAPL,MSFT` or `--symbols 500` (generated). */
export function symbolsFlag(value: string | undefined): string[] | number | undefined {
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  const list = value
    .split(",")
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);
  if (list.length === 0) throw new UsageError("--symbols is empty");
  return list;
}

function seedFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) > 2 ** 32 - 1)
    throw new UsageError(`--seed ${value} must be a whole number from 0 to 4294967295`);
  return Number(value);
}

function startFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new UsageError(`--start ${value} is not an ISO-8601 time`);
  return ms;
}
