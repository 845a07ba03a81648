/**
 * A destination kit: everything stockpipe knows of one kind of alert destination, in the kind's own module — its
 * options (zod, described: an entry of `notify.destinations`), a line saying what it is, and how an entry becomes a
 * destination that delivers (its message format; the delivery policy is shared, deliver.ts). The kinds are listed
 * once, in registry.ts; the config assembles their fields. A chat or JSON webhook is `httpKit`: its fields, address
 * and signing are shared, and it says only what its message's body is.
 */
import { z } from "zod";
import { ConfigError } from "../errors";
import { posInt, secret } from "../util/fields";
import { postOnce } from "./deliver";
import { type AlertGroup, type Destination, type HttpDestination, type MessageContext, shownUrl } from "./types";

/** An entry's options as parsed: its kind, and its fields' values (defaults filled in). */
export type EntryOf<K extends string, F extends z.ZodRawShape> = { kind: K } & z.output<z.ZodObject<F>>;

export interface DestinationKit<K extends string = string, F extends z.ZodRawShape = z.ZodRawShape> {
  readonly kind: K;
  /** What it is, in a line (the config reference). */
  readonly summary: string;
  /** Its options beside kind. */
  readonly fields: F;
  /** A rule across its fields, and what the config says when an entry breaks it. */
  readonly rule?: { check(entry: EntryOf<K, F>): boolean; message: string };
  /**
   * The destination of an entry named `name`: secrets read from the environment by the variables it names. What
   * cannot be made is a ConfigError naming `notify.destinations.<name>.<field>`.
   */
  resolve(name: string, entry: EntryOf<K, F>, env: NodeJS.ProcessEnv): Destination;
}

export function destinationKit<K extends string, F extends z.ZodRawShape>(kit: DestinationKit<K, F>): DestinationKit<K, F> {
  return kit;
}

/** `notify.destinations.<name>.<field>`, for errors. */
export const fieldOf = (name: string, field: string) => `notify.destinations.${name}.${field}`;

/** The value of the environment variable an entry names, or a ConfigError naming the field. */
export function fromEnv(env: NodeJS.ProcessEnv, variable: string, field: string, what = ""): string {
  const value = env[variable];
  if (!value) throw new ConfigError(`${field} ${variable}: that environment variable is not set${what}`, []);
  return value;
}

const ratePerMinute = posInt().optional().describe("Messages a minute at most (default: 30 for a chat, none for a webhook)");

/** The options of a webhook: its address (from the environment, or in the config), its signing secret, its rate. */
const webhookFields = {
  urlEnv: secret(z.string().min(1).optional().describe("The environment variable holding its address"), "env"),
  url: secret(z.string().url().optional().describe("Its address (urlEnv keeps it out of the config)"), "webhook"),
  secretEnv: secret(
    z.string().min(1).optional().describe("The environment variable holding a secret that signs each message (Stockpipe-Signature)"),
    "env",
  ),
  ratePerMinute,
};

/** Chat webhooks take about one message a second; a chat destination without its own limit gets this. */
export const CHAT_RATE_PER_MINUTE = 30;

/** A webhook's kit: the body of a group's message is its own; the rest is shared. */
export function httpKit<K extends string>(kit: {
  kind: K;
  summary: string;
  /** The JSON body of a group's message. */
  body(g: AlertGroup, ctx: MessageContext): unknown;
  /** Messages a minute when the entry says none (undefined: no limit). */
  defaultRate?: number;
}): DestinationKit<K, typeof webhookFields> {
  return {
    kind: kit.kind,
    summary: kit.summary,
    fields: webhookFields,
    rule: {
      check: (e) => Boolean(e.urlEnv) !== Boolean(e.url),
      message: "give urlEnv (the environment variable holding the address) or url",
    },
    resolve(name, e, env): HttpDestination {
      const url = e.urlEnv
        ? fromEnv(env, e.urlEnv, fieldOf(name, "urlEnv"), ` (it holds the ${kit.kind} webhook's address)`)
        : (e.url ?? "");
      try {
        const u = new URL(url);
        if (u.protocol !== "https:" && u.protocol !== "http:") throw new Error(u.protocol);
      } catch {
        throw new ConfigError(`${fieldOf(name, e.urlEnv ? "urlEnv" : "url")}: the address of ${name} is not an http(s) URL`, []);
      }
      const signing = e.secretEnv ? fromEnv(env, e.secretEnv, fieldOf(name, "secretEnv")) : undefined;
      return {
        name,
        kind: kit.kind,
        url,
        shownUrl: shownUrl(url),
        secret: signing,
        ratePerMinute: e.ratePerMinute ?? kit.defaultRate,
        attempt(g, ctx) {
          const body = JSON.stringify(kit.body(g, ctx));
          return (signal) => postOnce({ url, secret: signing }, body, g.key, signal);
        },
      };
    },
  };
}

export { ratePerMinute as rateField };
