/**
 * Where alerts are delivered: a chat webhook (Slack, Microsoft Teams, Discord), a generic JSON webhook, or an
 * e-mail address over SMTP — each kind one kit (kit.ts, registry.ts) with its own message format, all with the
 * same delivery policy (deliver.ts).
 */
import type { Alert } from "../model/alert";

/** What one attempt to hand a message to a destination came to. */
export type Attempt =
  | { kind: "delivered"; status: number }
  /** Try again, after `afterMs` when the destination said when. */
  | { kind: "retry"; reason: string; afterMs?: number }
  /** Retrying cannot help (a 4xx other than 408 and 429). */
  | { kind: "refused"; reason: string };

/** A destination as notify uses it, whatever its kind (each kind's kit makes its own, see kit.ts). */
export interface Destination {
  /** Its name in the config's `notify.destinations`. */
  name: string;
  /** Its kind: slack, teams, discord, webhook, email, … */
  kind: string;
  /** The endpoint as it may be printed: scheme and host only. */
  shownUrl: string;
  /** Messages a minute at most; undefined: no limit. */
  ratePerMinute?: number;
  /** One attempt to hand a group's message to it (the same message each time it is called). */
  attempt(g: AlertGroup, ctx: MessageContext): (signal?: AbortSignal) => Promise<Attempt>;
}

/** A chat webhook or a generic JSON webhook. */
export interface HttpDestination extends Destination {
  /** The endpoint (a secret: see `shownUrl`). */
  url: string;
  /** The webhook's signing secret (HMAC-SHA256), when it has one. */
  secret?: string;
}

/** What one message to one destination carries: one alert, or several grouped. */
export interface AlertGroup {
  destination: string;
  /** In the order they arrived. */
  alerts: Alert[];
  /** Repeats of these alerts' rule and symbol left out in the cool-down since the last message. */
  suppressed: number;
  /** The idempotency key: the alert's id, or one made from the ids of a group's alerts. */
  key: string;
}

/** How messages are worded: times in the market's zone, and a link to the dashboard's chart when it has an address. */
export interface MessageContext {
  timeZone: string;
  dashboardUrl?: string;
}

/** The endpoint as it may be printed: a webhook's path and query are its secret. */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return "(not a URL)";
  }
}
