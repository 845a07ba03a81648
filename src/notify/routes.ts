/**
 * Routes: which alerts go to which destinations. A route selects by rule, severity, symbol pattern (`*`
 * matches any run of characters: `BTC-*`, `*.HK`) and the part of the market day the alert fired in (its
 * symbol's exchange calendar: pre, regular, post, closed); an absent selector selects everything. An alert goes
 * to the union of the destinations of every route that selects it.
 */
import type { Alert, Severity } from "../model/alert";
import type { MarketPart } from "../model/calendar";
import { symbolPattern } from "../model/patterns";

export interface RouteSpec {
  rules?: string[];
  severities?: Severity[];
  symbols?: string[];
  sessions?: MarketPart[];
  to: string[];
}

export interface Route {
  rules?: ReadonlySet<string>;
  severities?: ReadonlySet<string>;
  symbols?: RegExp;
  sessions?: ReadonlySet<MarketPart>;
  to: string[];
}

/** The part of its market's day an alert fired in. */
export type PartOf = (alert: Alert) => MarketPart;

export function compileRoutes(specs: RouteSpec[]): Route[] {
  return specs.map((s) => ({
    rules: s.rules?.length ? new Set(s.rules) : undefined,
    severities: s.severities?.length ? new Set(s.severities) : undefined,
    symbols: s.symbols?.length ? symbolPattern(s.symbols) : undefined,
    sessions: s.sessions?.length ? new Set(s.sessions) : undefined,
    to: s.to,
  }));
}

/**
 * The destinations an alert goes to, in the order the routes name them, each once. `partOf` places the alert in
 * its market's day, for routes that select by session (asked only of those; without it every alert is `regular`).
 */
export function destinationsOf(alert: Alert, routes: readonly Route[], partOf?: PartOf): string[] {
  const out = new Set<string>();
  let part: MarketPart | undefined;
  for (const r of routes) {
    if (r.rules && !r.rules.has(alert.rule)) continue;
    if (r.severities && !r.severities.has(alert.severity)) continue;
    if (r.symbols && !r.symbols.test(alert.symbol)) continue;
    if (r.sessions) {
      part ??= partOf?.(alert) ?? "regular";
      if (!r.sessions.has(part)) continue;
    }
    for (const d of r.to) out.add(d);
  }
  return [...out];
}
