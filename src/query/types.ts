/** A query engine runs one statement and returns its rows; engines register by name in registry.ts. */
import type { LoadedConfig } from "../config/loader";

export type Row = Record<string, unknown>;

export interface QueryResult {
  columns: string[];
  rows: Row[];
  /** What the engine adds to the closing line, e.g. data scanned and cost. */
  note?: string;
}

export interface RunOptions {
  signal?: AbortSignal;
  /** What it is doing now, for a spinner: "syncing the lake: 3/10 new objects". */
  onProgress?(message: string): void;
}

export interface QueryEngine {
  readonly name: string;
  /** Where it runs, for messages: "Cassandra", "Athena", "the lake (DuckDB)". */
  readonly where: string;
  /** Failures are StockpipeErrors with the engine's own hint. */
  run(statement: string, options?: RunOptions): Promise<QueryResult>;
  close(): Promise<void>;
}

export type EngineFactory = (loaded: LoadedConfig) => Promise<QueryEngine>;
