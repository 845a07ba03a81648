/**
 * Where alerts are delivered: a chat webhook (Slack, Microsoft Teams, Discord), a generic JSON webhook, or an
 * e-mail address over SMTP — each with its own message format (format.ts, mail.ts) and the same delivery policy
 * (deliver.ts).
 */
import type { Alert } from "../model/alert";

export type HttpKind = "slack" | "teams" | "discord" | "webhook";
export type DestinationKind = HttpKind | "email";
export const DESTINATION_KINDS: readonly DestinationKind[] = ["slack", "teams", "discord", "webhook", "email"];

interface DestinationCommon {
  /** Its name in the config's `notify.destinations`. */
  name: string;
  /** The endpoint as it may be printed: scheme and host only. */
  shownUrl: string;
  /** Messages a minute at most; undefined: no limit. */
  ratePerMinute?: number;
}

export interface HttpDestination extends DestinationCommon {
  kind: HttpKind;
  /** The endpoint (a secret: see `shownUrl`). */
  url: string;
  /** The webhook's signing secret (HMAC-SHA256), when it has one. */
  secret?: string;
}

export interface MailDestination extends DestinationCommon {
  kind: "email";
  host: string;
  /** 587 (submission, upgraded with STARTTLS) by default; 465 is TLS from the start. */
  port: number;
  user?: string;
  password?: string;
  /** The variable the password came from, for errors. */
  passwordEnv?: string;
  from: string;
  to: string[];
  /** PEM file of the CA that signed the server's certificate, when it is not a public one. */
  caFile?: string;
}

export type Destination = HttpDestination | MailDestination;

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
