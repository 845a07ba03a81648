/**
 * The Athena engine: StartQueryExecution with the configured workgroup, database and output location; poll
 * with backoff (state and data scanned reported as it goes); page through GetQueryResults; map Athena's types.
 * FAILED or CANCELLED is one error with Athena's reason; aborting stops the query (StopQueryExecution).
 */

import { setTimeout as sleep } from "node:timers/promises";
import {
  AthenaClient,
  type ColumnInfo,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import type { LoadedConfig } from "../config/loader";
import type { ResolvedConfig } from "../config/schema";
import { InterruptedError, RuntimeError, StockpipeError } from "../errors";
import { defaultCredentials } from "../util/aws";
import type { QueryEngine, QueryResult, Row, RunOptions } from "./types";

/** Athena's price: USD 5 per TB scanned, at least 10 MB per query. */
export function athenaCost(bytesScanned: number): number {
  return (Math.max(bytesScanned, 10 * 1024 * 1024) / 1e12) * 5;
}

export function createAthenaClient(config: ResolvedConfig): AthenaClient {
  const a = config.athena;
  return new AthenaClient({
    region: a.region,
    endpoint: a.endpoint === "aws" ? undefined : a.endpoint,
    credentials: defaultCredentials(),
    maxAttempts: 3,
  });
}

/** An Athena value (always a string on the wire) as the column's type. */
export function mapValue(value: string | undefined, type: string): unknown {
  if (value === undefined || value === null) return null;
  switch (type.toLowerCase()) {
    case "tinyint":
    case "smallint":
    case "integer":
    case "int":
    case "bigint": {
      const n = Number(value);
      return Number.isSafeInteger(n) ? n : value;
    }
    case "double":
    case "float":
    case "real":
      return Number(value);
    case "boolean":
      return value === "true";
    case "timestamp": {
      const ms = Date.parse(value.replace(" ", "T") + (/[zZ+]/.test(value.slice(10)) ? "" : "Z"));
      return Number.isNaN(ms) ? value : new Date(ms).toISOString();
    }
    default:
      // varchar, char, date, decimal (kept exact as text), json, arrays, maps and rows.
      return value;
  }
}

export interface AthenaProgress {
  state: string;
  bytesScanned: number;
}

export interface AthenaResult {
  queryExecutionId: string;
  columns: string[];
  rows: Row[];
  bytesScanned: number;
  costUsd: number;
}

export async function runAthena(
  client: AthenaClient,
  config: ResolvedConfig,
  sql: string,
  options: { signal?: AbortSignal; onProgress?: (p: AthenaProgress) => void; pollMs?: number } = {},
): Promise<AthenaResult> {
  const a = config.athena;
  const started = await client.send(
    new StartQueryExecutionCommand({
      QueryString: sql,
      WorkGroup: a.workgroup,
      QueryExecutionContext: { Database: a.database },
      ResultConfiguration: a.outputLocation ? { OutputLocation: a.outputLocation } : undefined,
    }),
  );
  const id = started.QueryExecutionId!;
  let delay = options.pollMs ?? 200;
  let bytesScanned = 0;
  for (;;) {
    if (options.signal?.aborted) {
      await client.send(new StopQueryExecutionCommand({ QueryExecutionId: id })).catch(() => {});
      throw new InterruptedError(`stopped Athena query ${id}`);
    }
    const q = (await client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }))).QueryExecution;
    const state = q?.Status?.State ?? "UNKNOWN";
    bytesScanned = q?.Statistics?.DataScannedInBytes ?? bytesScanned;
    options.onProgress?.({ state, bytesScanned });
    if (state === "SUCCEEDED") break;
    if (state === "FAILED" || state === "CANCELLED") {
      throw new RuntimeError(
        `Athena query ${id} ${state.toLowerCase()}: ${q?.Status?.StateChangeReason ?? q?.Status?.AthenaError?.ErrorMessage ?? "no reason given"}`,
      );
    }
    await sleep(delay, undefined, { signal: options.signal }).catch(() => {});
    delay = Math.min(2000, Math.round(delay * 1.5));
  }

  const rows: Row[] = [];
  let columns: ColumnInfo[] = [];
  let token: string | undefined;
  let first = true;
  do {
    const page = await client.send(new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token, MaxResults: 1000 }));
    if (columns.length === 0) columns = page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
    let data = page.ResultSet?.Rows ?? [];
    // For a SELECT, the first row of the first page repeats the column names.
    if (first && data.length > 0 && columns.length > 0 && data[0]!.Data?.every((d, i) => d.VarCharValue === columns[i]?.Name))
      data = data.slice(1);
    first = false;
    for (const r of data) {
      const out: Row = {};
      for (const [i, c] of columns.entries()) out[c.Name ?? `_${i}`] = mapValue(r.Data?.[i]?.VarCharValue, c.Type ?? "varchar");
      rows.push(out);
    }
    token = page.NextToken;
  } while (token);
  return { queryExecutionId: id, columns: columns.map((c, i) => c.Name ?? `_${i}`), rows, bytesScanned, costUsd: athenaCost(bytesScanned) };
}

/** An Athena failure as one line with the settings to check. */
export function athenaError(
  err: unknown,
  hint = "check athena.region, athena.workgroup, athena.database and the AWS credentials",
): StockpipeError {
  if (err instanceof StockpipeError) return err;
  return new RuntimeError(`Athena: ${(err as Error).message}`, { hint, cause: err });
}

export class AthenaEngine implements QueryEngine {
  readonly name = "athena";
  readonly where = "Athena";
  private readonly client: AthenaClient;
  constructor(private readonly loaded: LoadedConfig) {
    this.client = createAthenaClient(loaded.config);
  }

  async run(statement: string, options: RunOptions = {}): Promise<QueryResult> {
    try {
      const r = await runAthena(this.client, this.loaded.config, statement, {
        signal: options.signal,
        onProgress: (p) => options.onProgress?.(`Athena: ${p.state.toLowerCase()}, ${(p.bytesScanned / 1e6).toFixed(1)} MB scanned`),
      });
      return {
        columns: r.columns,
        rows: r.rows,
        note: `${(r.bytesScanned / 1e6).toFixed(2)} MB scanned, about $${r.costUsd.toFixed(6)} (query ${r.queryExecutionId})`,
      };
    } catch (err) {
      throw athenaError(err);
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
