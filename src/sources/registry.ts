/** Sources by name: `--source csv|synthetic|http` is a lookup here, not a switch in the command. */
import type { ResolvedConfig } from "../config/schema";
import { UsageError } from "../errors";
import { parseDuration } from "../model/time";
import { parseMapOption } from "./csv/layout";
import type { Source } from "./types";

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
  interval?: string;
  shape?: string;
  records?: string;
  apiKeyEnv?: string;
  apiKeyHeader?: string;
}

type Factory = (flags: SourceFlags, config: ResolvedConfig) => Promise<Source>;

function symbolsList(value: string | undefined, flag: string): string[] | number | undefined {
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value)) {
    const n = Number(value);
    if (n < 1 || n > 100_000) throw new UsageError(`${flag} ${value}: give 1 to 100000 generated symbols, or a list like AAPL,MSFT`);
    return n;
  }
  const list = value
    .split(",")
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);
  if (list.length === 0) throw new UsageError(`${flag} is empty`);
  return list;
}

export const SOURCES: Record<string, Factory> = {
  async csv(f, config) {
    if (!f.file) throw new UsageError("--source csv needs --file PATH (or --file - for stdin)");
    const { CsvSource } = await import("./csv/source");
    return new CsvSource({
      file: f.file,
      timeZone: config.market.timeZone,
      map: parseMapOption(f.map),
      symbol: f.symbol?.toUpperCase(),
      loop: Boolean(f.loop),
    });
  },

  async synthetic(f) {
    const { SyntheticSource } = await import("./synthetic");
    const symbols = symbolsList(f.symbols, "--symbols") ?? ["AAPL", "MSFT", "GOOG", "AMZN", "NVDA"];
    let seed: number | undefined;
    if (f.seed !== undefined) {
      if (!/^\d+$/.test(f.seed) || Number(f.seed) > 2 ** 32 - 1)
        throw new UsageError(`--seed ${f.seed} must be a whole number from 0 to 4294967295`);
      seed = Number(f.seed);
    }
    let startMs: number | undefined;
    if (f.start !== undefined) {
      startMs = Date.parse(f.start);
      if (Number.isNaN(startMs)) throw new UsageError(`--start ${f.start} is not an ISO-8601 time`);
    } else if (seed !== undefined) {
      // Reproducible streams need a fixed start: with a seed the clock starts at a fixed trading-day open.
      startMs = Date.parse("2024-01-02T14:30:00.000Z");
    }
    const rate = f.rate !== undefined ? Number(f.rate) : 1000;
    return new SyntheticSource({ symbols, seed, startMs, eventRate: rate });
  },

  async http(f, config) {
    if (!f.url) throw new UsageError("--source http needs --url URL, e.g. 'https://example.com/quote?symbol={symbol}'");
    const { HttpSource, SHAPES } = await import("./http");
    const symbols = symbolsList(f.symbols, "--symbols");
    if (typeof symbols === "number") throw new UsageError("--source http needs --symbols as a list, e.g. AAPL,MSFT");
    const intervalMs = parseDuration(f.interval ?? "2s");
    if (!intervalMs || intervalMs < 100) throw new UsageError(`--interval ${f.interval} must be a duration of at least 100ms, e.g. 2s`);
    const shape = (f.shape ?? "auto") as (typeof SHAPES)[number];
    if (!SHAPES.includes(shape)) throw new UsageError(`--shape ${f.shape}: choose ${SHAPES.join(", ")}`);
    let apiKey: string | undefined;
    if (f.apiKeyEnv) {
      apiKey = process.env[f.apiKeyEnv];
      if (!apiKey) throw new UsageError(`--api-key-env ${f.apiKeyEnv}: that environment variable is not set`);
    }
    const map: Record<string, string> = {};
    for (const pair of (f.map ?? "")
      .split(",")
      .map((p) => p.trim())
      .filter(Boolean)) {
      const [field, path] = pair.split("=");
      if (!field || !path) throw new UsageError(`--map entry "${pair}" must be field=dotted.path, e.g. price=data.last`);
      map[field.trim()] = path.trim();
    }
    if (shape === "generic" && (!map.price || !map.ts))
      throw new UsageError("--shape generic needs --map with at least price=… and ts=… (dotted paths into the response)");
    return new HttpSource({
      url: f.url,
      symbols: symbols ?? [],
      intervalMs,
      shape,
      map,
      records: f.records,
      apiKey,
      apiKeyHeader: f.apiKeyHeader,
      timeZone: config.market.timeZone,
    });
  },
};

export async function createSource(name: string, flags: SourceFlags, config: ResolvedConfig): Promise<Source> {
  const factory = SOURCES[name];
  if (!factory) throw new UsageError(`unknown --source ${name}: choose ${Object.keys(SOURCES).join(", ")}`);
  return factory(flags, config);
}
