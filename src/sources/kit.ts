/**
 * A source kit: everything stockpipe knows of one kind of source, in the kind's own module — its options (zod,
 * described: what a `sources:` entry and produce's flags give), a line saying what it reads, and its factory. The
 * kinds are listed once, in registry.ts; the config's `sources:` entries, `produce --source`, its help and the docs
 * come from that list. A live feed's kit (`feedKit`) says only how to speak its venue's protocol: the connection,
 * repair, recording and status are shared.
 */
import { z } from "zod";
import { fieldError, UsageError } from "../errors";
import type { CalendarBook } from "../model/calendar";
import { SYMBOL_PATTERN } from "../model/tick";
import { secret } from "../util/fields";
import type { FeedTuning } from "./feeds/source";
import type { FeedConnectionEvents, FeedProtocol } from "./feeds/types";
import type { Source } from "./types";

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

/** A kind's options as parsed: its kind, and its fields' values (defaults filled in). */
export type SpecOf<K extends string, F extends z.ZodRawShape> = { kind: K } & z.output<z.ZodObject<F>>;
/** A kind's options as given (a `sources:` entry without its name and topic, or produce's flags). */
export type InputOf<K extends string, F extends z.ZodRawShape> = { kind: K } & z.input<z.ZodObject<F>>;

export interface SourceKit<K extends string = string, F extends z.ZodRawShape = z.ZodRawShape> {
  readonly kind: K;
  /** What it reads, in a line (`produce --help`, the docs). */
  readonly summary: string;
  /** Its options beside kind, name and topic. */
  readonly fields: F;
  /** A live feed: its protocol, for a replay of its recording too. */
  readonly feed?: FeedParts<SpecOf<K, F>>;
  /** The source, from options its fields parsed; what their values mean is checked here (`fieldError`). */
  create(spec: SpecOf<K, F>, ctx: SourceContext, kits: KitLookup): Promise<Source>;
}

/** The other kinds' kits (a replay finds the feed that recorded). */
export interface KitLookup {
  get(kind: string): SourceKit | undefined;
  /** The live feeds' kinds. */
  feeds: readonly string[];
}

export function sourceKit<K extends string, F extends z.ZodRawShape>(kit: SourceKit<K, F>): SourceKit<K, F> {
  return kit;
}

/** How a live feed speaks its venue's protocol. */
export interface FeedParts<S> {
  /** The protocol; `credential(variable, field)` is the value of an environment variable the spec names. */
  protocol(spec: S, o: { credential(variable: string, field: string): string; timeZone: string }): FeedProtocol;
  /** What a recording keeps to decode it the same way: never a secret. */
  recorded(spec: S): Record<string, unknown>;
}

/** The options every live feed takes. */
export const feedFields = {
  url: secret(z.string().min(1).optional().describe("Another endpoint than the venue's (a sandbox, a test server)"), "url"),
  record: z.string().min(1).optional().describe("Write every raw frame with its arrival time to this file (JSON lines), for a replay"),
};

/** A venue's REST API, whose trade history repairs a feed's gaps: http(s), without a trailing slash. */
export const restField = z
  .url({ protocol: /^https?$/, error: "is not an http(s) URL, e.g. https://api.exchange.coinbase.com" })
  .transform((u) => u.replace(/\/+$/, ""))
  .optional()
  .describe("The venue's REST API whose trade history repairs the feed's gaps (default: the venue's)");

export const DEFAULT_TUNING: FeedTuning = {
  silenceMs: 30_000,
  pingMs: 10_000,
  subscribeTimeoutMs: 10_000,
  backoffMs: 500,
  maxBackoffMs: 30_000,
  maxFrameBytes: 16 * 1024 * 1024,
  dedupWindow: 10_000,
  repair: { enabled: true, maxTrades: 100_000, maxSeconds: 20 },
};

/** A feed's fields: the ones every feed takes (url, record), its own taking precedence. */
export type WithFeedFields<F extends z.ZodRawShape> = Omit<typeof feedFields, keyof F> & F;

/** A live feed's kit: its protocol over the shared connection, recording, repair and dedup (feeds/source.ts). */
export function feedKit<K extends string, F extends z.ZodRawShape>(kit: {
  kind: K;
  summary: string;
  fields: F;
  protocol: FeedParts<SpecOf<K, WithFeedFields<F>>>["protocol"];
  recorded: FeedParts<SpecOf<K, WithFeedFields<F>>>["recorded"];
}): SourceKit<K, WithFeedFields<F>> {
  const feed: FeedParts<SpecOf<K, WithFeedFields<F>>> = { protocol: kit.protocol, recorded: kit.recorded };
  return {
    kind: kit.kind,
    summary: kit.summary,
    // Its own fields first, then those every feed takes that it does not declare itself.
    fields: { ...kit.fields, ...Object.fromEntries(Object.entries(feedFields).filter(([k]) => !(k in kit.fields))) } as WithFeedFields<F>,
    feed,
    async create(spec, ctx) {
      const { FeedSource } = await import("./feeds/source");
      const protocol = kit.protocol(spec, { credential: credentials(ctx.env ?? process.env), timeZone: ctx.timeZone });
      // Every feed has the field (feedFields); the generic type does not show it.
      const record = (spec as { record?: string }).record;
      return new FeedSource({
        protocol,
        tuning: ctx.feeds ?? DEFAULT_TUNING,
        record: record ? { file: record, options: kit.recorded(spec) } : undefined,
        events: ctx.feedEvents,
      });
    },
  };
}

/** Reads credentials from the environment by the variable's name; a variable not set names the field at fault. */
export function credentials(env: NodeJS.ProcessEnv) {
  return (variable: string, field: string): string => {
    const value = env[variable];
    if (!value) throw fieldError(UsageError, (n) => [`${n(field)} ${variable}: that environment variable is not set`]);
    return value;
  };
}

/** A venue's symbols, upper case, each a valid tick symbol, at least one. */
export function feedSymbols(symbols: readonly string[], example: string): string[] {
  if (symbols.length === 0) throw fieldError(UsageError, (n) => [`${n("symbols")} is needed: the symbols to stream, e.g. ${example}`]);
  const upper = symbols.map((s) => s.toUpperCase());
  const bad = upper.find((s) => !SYMBOL_PATTERN.test(s));
  if (bad) throw fieldError(UsageError, (n) => [`${n("symbols")}: ${JSON.stringify(bad)} is not a symbol, e.g. ${example}`]);
  return upper;
}

/** Whether a venue's feed streams the top of its book too, as quote ticks. */
export const quotesField = (channel: string) =>
  z.boolean().default(false).describe(`Also stream the top of the book (bid, ask and their sizes) as quote ticks: ${channel}`);

/** A list of symbols (the field every venue has). */
export const symbolsField = (example: string) =>
  z
    .array(z.string().min(1), { error: `must be a list of symbols, e.g. ${example}` })
    .default([])
    .describe(`The symbols to stream (at least one), e.g. ${example}`);
