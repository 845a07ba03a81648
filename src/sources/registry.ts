/**
 * Every kind of source, listed once: a kit each (kit.ts), in its own module. The config's `sources:` entries are
 * these kits' fields; `produce --source` takes their kinds, with flags named after their fields; `createSource`
 * checks options against the kit's fields, then makes the source.
 */
import { z } from "zod";
import { fieldError, UsageError } from "../errors";
import { csv } from "./csv/source";
import { alpaca } from "./feeds/alpaca";
import { binance } from "./feeds/binance";
import { coinbase } from "./feeds/coinbase";
import { finnhub } from "./feeds/finnhub";
import { ws } from "./feeds/generic";
import { kraken } from "./feeds/kraken";
import { replay } from "./feeds/replay";
import { http } from "./http";
import type { InputOf, KitLookup, SourceContext, SourceKit, SpecOf } from "./kit";
import { synthetic } from "./synthetic";
import type { Source } from "./types";

export type { SourceContext } from "./kit";

/** The kinds of source, in the order `--help` lists them. */
export const SOURCE_KITS = [csv, synthetic, http, coinbase, binance, kraken, alpaca, finnhub, ws, replay] as const;

type Kits = (typeof SOURCE_KITS)[number];
type Input<K> = K extends SourceKit<infer N, infer F> ? InputOf<N, F> : never;
type Output<K> = K extends SourceKit<infer N, infer F> ? SpecOf<N, F> : never;
/** A source's options as given: a `sources:` entry without its name and topic, or produce's flags. */
export type SourceSpec = Input<Kits>;
/** The same, checked, with defaults filled in. */
export type ParsedSourceSpec = Output<Kits>;
export type SourceKind = Kits["kind"];

export const SOURCE_KINDS: readonly SourceKind[] = SOURCE_KITS.map((k) => k.kind);
/** The live feeds. */
export const FEED_KINDS: readonly SourceKind[] = SOURCE_KITS.filter((k) => (k as SourceKit).feed).map((k) => k.kind);

const byKind = new Map<string, SourceKit>(SOURCE_KITS.map((k) => [k.kind, k as unknown as SourceKit]));
const lookup: KitLookup = { get: (kind) => byKind.get(kind), feeds: FEED_KINDS };

export function sourceKit(kind: string): SourceKit | undefined {
  return byKind.get(kind);
}

type EntrySchema<K, C extends z.ZodRawShape> =
  K extends SourceKit<infer N, infer F> ? z.ZodObject<{ kind: z.ZodLiteral<N> } & F & C, z.core.$strict> : never;

type EntrySchemas<T extends readonly unknown[], C extends z.ZodRawShape> = { [I in keyof T]: EntrySchema<T[I], C> };

/** Each kind's options as one object schema (kind first, then its fields), for the config's `sources:` entries. */
export function sourceSchemas<C extends z.ZodRawShape>(common: C): EntrySchemas<typeof SOURCE_KITS, C> {
  return SOURCE_KITS.map((k) => z.object({ kind: z.literal(k.kind), ...k.fields, ...common }).strict()) as never;
}

/**
 * Checks a source's options against its kind's fields (an error names the field at fault, as `fieldError` does),
 * then makes the source.
 */
export async function createSource(spec: SourceSpec, ctx: SourceContext): Promise<Source> {
  const kit = byKind.get(spec.kind);
  if (!kit) throw fieldError(UsageError, (n) => [`${n("source")} ${spec.kind}: choose ${SOURCE_KINDS.join(", ")}`]);
  const { kind: _kind, ...fields } = spec;
  const parsed = z.object(kit.fields).strict().safeParse(fields, { reportInput: true });
  if (!parsed.success) throw optionError(spec.kind, parsed.error.issues[0]!);
  return kit.create({ ...parsed.data, kind: spec.kind }, ctx, lookup);
}

/** An option that does not fit its field, in one line naming the field. */
function optionError(kind: string, issue: z.core.$ZodIssue) {
  if (issue.code === "unrecognized_keys")
    return fieldError(UsageError, (n) => [`${issue.keys.map(n).join(", ")}: not an option of a ${kind} source`]);
  const field = String(issue.path[0] ?? "");
  const path = issue.path
    .slice(1)
    .map((p) => `[${String(p)}]`)
    .join("");
  const given = issue.input === undefined ? "" : ` ${JSON.stringify(issue.input)}`;
  const message = issue.code === "invalid_value" ? `: choose ${issue.values.map(String).join(", ")}` : ` ${issue.message}`;
  return fieldError(UsageError, (n) => [`${n(field)}${path}${given}${message}`]);
}
