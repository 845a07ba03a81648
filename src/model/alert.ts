/**
 * Alert v1: a rule fired on a symbol. JSON, key = symbol, header `schema: alert.v1`, on `<topic>.alerts`.
 * Deterministic: the same ticks give the same alerts, with the same ids, on every replay.
 */
import { uuidFrom } from "./ids";
import { parseJsonObject } from "./json";
import { SYMBOL_PATTERN } from "./tick";

export const ALERT_SCHEMA = "alert.v1";

export type Severity = "info" | "warning" | "critical";

export interface Alert {
  symbol: string;
  /** Event time of the tick that fired it (for a rule on bars: the bar's last tick). */
  ts: string;
  /** The rule's name: priceMove, volumeSpike, zScore, openingGap. */
  rule: string;
  severity: Severity;
  /** What was measured (a percent, a ratio, a z-score). */
  value: number;
  /** The rule's threshold it met. */
  threshold: number;
  message: string;
  /** Deterministic from (rule, symbol, the triggering tick or bar). */
  id: string;
}

export const ALERT_FIELDS = ["symbol", "ts", "rule", "severity", "value", "threshold", "message", "id"] as const;

export function alertId(rule: string, symbol: string, trigger: string): string {
  return uuidFrom("stockpipe.alert.v1", `${rule}|${symbol}|${trigger}`);
}

export function encodeAlert(a: Alert): string {
  return JSON.stringify(a, ALERT_FIELDS as unknown as string[]);
}

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Checks a decoded alert against v1; returns why it is invalid, or undefined. */
export function alertProblem(a: Record<string, unknown>): string | undefined {
  const unknown = Object.keys(a).filter((k) => !(ALERT_FIELDS as readonly string[]).includes(k));
  if (unknown.length) return `unknown field(s): ${unknown.join(", ")}`;
  if (typeof a.symbol !== "string" || !SYMBOL_PATTERN.test(a.symbol)) return `invalid symbol ${JSON.stringify(a.symbol)}`;
  if (typeof a.ts !== "string" || !ISO_MS.test(a.ts)) return `ts ${JSON.stringify(a.ts)} is not ISO-8601 UTC with milliseconds`;
  if (typeof a.rule !== "string" || a.rule === "") return "missing rule";
  if (!["info", "warning", "critical"].includes(a.severity as string)) return `invalid severity ${JSON.stringify(a.severity)}`;
  for (const f of ["value", "threshold"] as const)
    if (typeof a[f] !== "number" || !Number.isFinite(a[f])) return `${f} ${JSON.stringify(a[f])} is not a number`;
  if (typeof a.message !== "string") return "missing message";
  if (typeof a.id !== "string") return "missing id";
  return undefined;
}

export type DecodedAlert = { ok: true; alert: Alert } | { ok: false; reason: string; detail: string };

export function decodeAlert(text: string): DecodedAlert {
  const parsed = parseJsonObject(text);
  if (!parsed.ok) return parsed;
  const problem = alertProblem(parsed.value);
  return problem ? { ok: false, reason: "invalid alert", detail: problem } : { ok: true, alert: parsed.value as unknown as Alert };
}
