/** `produce`'s source flags as a typed source spec; the source's own errors name its options, worded here with flags. */
import { existsSync, readFileSync } from "node:fs";
import { UsageError } from "../../errors";
import { parseDuration } from "../../model/time";
import { SOURCE_KINDS, type SourceKind, type SourceSpec, sourceKit } from "../../sources/registry";

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
  /** The venues' feeds: the top of the book too, as quote ticks. */
  quotes?: boolean;
  feed?: string;
  /** Replay: times faster than recorded (a number or max). */
  speed?: string;
}

/** The flag of each source option (a kit's field), for errors the sources raise. */
export const SOURCE_FLAG_NAMES: Record<string, string> = {
  source: "--source",
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
  intervalMs: "--interval",
  shape: "--shape",
  records: "--records",
  apiKeyEnv: "--api-key-env",
  apiKeyHeader: "--api-key-header",
  rejectFile: "--reject-file",
  keyEnv: "--api-key-env",
  secretEnv: "--api-secret-env",
  tokenEnv: "--api-key-env",
  dataFeed: "--data-feed",
  channels: "--channels",
  record: "--record",
  feed: "--feed",
  speed: "--speed",
  subscribe: "--subscribe",
  quotes: "--quotes",
};

/** Conventional names of the vendors' credentials in the environment. */
export const CREDENTIAL_ENV = { alpaca: { key: "APCA_API_KEY_ID", secret: "APCA_API_SECRET_KEY" }, finnhub: "FINNHUB_TOKEN" };

/** Each option a source kit may have (its field), from the flag that gives it; undefined: not given. */
const FROM_FLAGS: Record<string, (f: SourceFlags) => unknown> = {
  file: (f) => f.file,
  symbol: (f) => f.symbol,
  loop: (f) => f.loop,
  symbols: (f) => symbolsFlag(f.symbols),
  seed: (f) => seedFlag(f.seed),
  startMs: (f) => startFlag(f.start),
  rate: (f) => (f.rate !== undefined ? Number(f.rate) : undefined),
  url: (f) => f.url,
  rest: (f) => f.restUrl,
  intervalMs: (f) => intervalFlag(f.interval),
  shape: (f) => f.shape,
  records: (f) => f.records,
  apiKeyEnv: (f) => f.apiKeyEnv,
  apiKeyHeader: (f) => f.apiKeyHeader,
  keyEnv: (f) => f.apiKeyEnv,
  secretEnv: (f) => f.apiSecretEnv,
  tokenEnv: (f) => f.apiKeyEnv,
  dataFeed: (f) => f.dataFeed,
  // --quotes is alpaca's quotes channel beside its trades.
  channels: (f) =>
    f.channels === undefined
      ? f.quotes
        ? ["trades", "quotes"]
        : undefined
      : listFlag(f.channels, "--channels").map((c) => c.toLowerCase()),
  quotes: (f) => f.quotes,
  subscribe: (f) => subscribeFlag(f.subscribe),
  record: (f) => f.record,
  feed: (f) => f.feed,
  // A replay goes at the recorded pace unless told otherwise.
  speed: (f) => (f.speed === undefined ? 1 : f.speed === "max" ? undefined : speedFlag(f.speed)),
};

/** The map flag's words per kind: what the right side of field=… is. */
const MAP_EXAMPLE: Record<string, [what: string, example: string]> = {
  csv: ["column", "price=Last"],
  http: ["dotted.path", "price=data.last"],
  ws: ["dotted.path", "price=data.p"],
};

/**
 * The options of a source of this kind, from the flags that give its kit's fields (flags of other kinds are not
 * its options). What the values mean is checked by the kit when the source is made.
 */
export function sourceSpec(kind: SourceKind, f: SourceFlags): SourceSpec {
  const kit = sourceKit(kind);
  if (!kit) throw new UsageError(`--source ${kind}: choose ${SOURCE_KINDS.join(", ")}`);
  const spec: Record<string, unknown> = { kind };
  const [what, example] = MAP_EXAMPLE[kind] ?? ["dotted.path", "price=p"];
  for (const field of Object.keys(kit.fields)) {
    const value = field === "map" ? (f.map === undefined ? undefined : pairs(f.map, what, example)) : FROM_FLAGS[field]?.(f);
    if (value !== undefined) spec[field] = value;
  }
  return spec as SourceSpec;
}

function intervalFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === undefined) throw new UsageError(`--interval ${value} must be a duration of at least 100ms, e.g. 2s`);
  return ms;
}

function speedFlag(value: string): number {
  const speed = Number(value);
  if (!(speed > 0)) throw new UsageError(`--speed ${value} must be a positive number or max`);
  return speed;
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
  if (list.length === 0) throw new UsageError(`${flag} is empty`);
  return list;
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
