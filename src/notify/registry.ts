/**
 * Every kind of alert destination, listed once: a kit each (kit.ts), in its own module. The config's
 * `notify.destinations` entries are these kits' fields; `resolveDestinations` makes the destinations of an entry
 * map, reading their secrets from the environment.
 */
import { z } from "zod";
import { discord } from "./discord";
import type { DestinationKit, EntryOf } from "./kit";
import { email } from "./mail";
import { slack } from "./slack";
import { teams } from "./teams";
import type { Destination } from "./types";
import { webhook } from "./webhook";

/** The kinds of destination, in the order the docs list them. */
export const DESTINATION_KITS = [slack, teams, discord, webhook, email] as const;

type Kits = (typeof DESTINATION_KITS)[number];
type Entry<K> = K extends DestinationKit<infer N, infer F> ? EntryOf<N, F> : never;
/** An entry of `notify.destinations`, checked (defaults filled in). */
export type DestinationEntry = Entry<Kits>;

type EntrySchema<K> = K extends DestinationKit<infer N, infer F> ? z.ZodObject<{ kind: z.ZodLiteral<N> } & F, z.core.$strict> : never;
type EntrySchemas<T extends readonly unknown[]> = { [I in keyof T]: EntrySchema<T[I]> };

/** Each kind's entry as one object schema (kind first, then its fields, then its rule), for the config. */
export function destinationSchemas(): EntrySchemas<typeof DESTINATION_KITS> {
  return DESTINATION_KITS.map((k) => {
    const schema = z.object({ kind: z.literal(k.kind), ...k.fields }).strict();
    const rule = (k as DestinationKit).rule;
    return rule ? schema.refine((e) => rule.check(e as never), { message: rule.message }) : schema;
  }) as never;
}

const byKind = new Map<string, DestinationKit>(DESTINATION_KITS.map((k) => [k.kind, k as unknown as DestinationKit]));

/** The config's destinations, by name, as destinations that deliver: secrets read from `env`, never printed. */
export function resolveDestinations(entries: Record<string, DestinationEntry>, env: NodeJS.ProcessEnv = process.env): Destination[] {
  return Object.entries(entries).map(([name, e]) => {
    const kit = byKind.get(e.kind);
    if (!kit) throw new Error(`no destination kind ${e.kind}`);
    return kit.resolve(name, e as never, env);
  });
}
