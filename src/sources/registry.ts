/**
 * Sources by kind: a typed spec in, a `Source` out. The command layer turns flags (or, later, a config list of
 * sources) into a spec; each factory checks what the spec's values mean and names the option at fault.
 */
import { fieldError, UsageError } from "../errors";
import { checkMap } from "./csv/layout";
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

export type SourceSpec = CsvSpec | SyntheticSpec | HttpSpec;
export type SourceKind = SourceSpec["kind"];
export const SOURCE_KINDS: readonly SourceKind[] = ["csv", "synthetic", "http"];

/** What every source may need from the config. */
export interface SourceContext {
  /** For local times in files and feeds. */
  timeZone: string;
  /** Where API keys are read from (default: this process's environment). */
  env?: NodeJS.ProcessEnv;
}

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
  }
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
