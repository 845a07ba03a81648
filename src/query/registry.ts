/** Query engines by name: `query --engine cql|athena|local` is a lookup here. */
import type { LoadedConfig } from "../config/loader";
import { UsageError } from "../errors";
import type { EngineFactory, QueryEngine } from "./types";

export const ENGINES: Record<string, EngineFactory> = {
  async cql(loaded) {
    const { CqlEngine } = await import("./cql");
    return new CqlEngine(loaded);
  },
  async athena(loaded) {
    const { AthenaEngine } = await import("./athena");
    return new AthenaEngine(loaded);
  },
  async local(loaded) {
    const { LocalEngine } = await import("./local");
    return new LocalEngine(loaded);
  },
};

export const ENGINE_NAMES = Object.keys(ENGINES);

/** CQL unless the statement reads like lake SQL: Cassandra tables and CQL are the default. */
export function defaultEngine(statement: string): string {
  return /\bfrom\s+(ticks|bars|alerts)\b/i.test(statement) && /\b(group\s+by|join|dt\s*[=<>]|avg\(|sum\()/i.test(statement)
    ? "local"
    : "cql";
}

export async function createEngine(name: string, loaded: LoadedConfig): Promise<QueryEngine> {
  const factory = ENGINES[name];
  if (!factory) throw new UsageError(`unknown query engine ${name}: choose ${ENGINE_NAMES.join(", ")}`);
  return factory(loaded);
}
