/**
 * Routes: which alerts go to which destinations. A route selects by rule, severity and symbol pattern (`*`
 * matches any run of characters: `BTC-*`, `*.HK`); an absent selector selects everything. An alert goes to the
 * union of the destinations of every route that selects it.
 */
import type { Alert, Severity } from "../model/alert";

export interface RouteSpec {
  rules?: string[];
  severities?: Severity[];
  symbols?: string[];
  to: string[];
}

export interface Route {
  rules?: ReadonlySet<string>;
  severities?: ReadonlySet<string>;
  symbols?: RegExp;
  to: string[];
}

/** `BTC-*` → /^BTC-.*$/ (every other character literal). */
export function symbolPattern(patterns: string[]): RegExp {
  const one = (p: string) =>
    p
      .split("*")
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*");
  return new RegExp(`^(?:${patterns.map(one).join("|")})$`);
}

export function compileRoutes(specs: RouteSpec[]): Route[] {
  return specs.map((s) => ({
    rules: s.rules?.length ? new Set(s.rules) : undefined,
    severities: s.severities?.length ? new Set(s.severities) : undefined,
    symbols: s.symbols?.length ? symbolPattern(s.symbols) : undefined,
    to: s.to,
  }));
}

/** The destinations an alert goes to, in the order the routes name them, each once. */
export function destinationsOf(alert: Alert, routes: readonly Route[]): string[] {
  const out = new Set<string>();
  for (const r of routes) {
    if (r.rules && !r.rules.has(alert.rule)) continue;
    if (r.severities && !r.severities.has(alert.severity)) continue;
    if (r.symbols && !r.symbols.test(alert.symbol)) continue;
    for (const d of r.to) out.add(d);
  }
  return [...out];
}
