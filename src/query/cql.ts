/** The CQL query engine: pages through results with the driver's stream, values made exact and printable. */
import cassandra from "cassandra-driver";
import type { LoadedConfig } from "../config/loader";
import type { ResolvedConfig } from "../config/schema";
import { createCassandraClient } from "../sinks/cassandra/client";
import { cassandraError } from "../sinks/cassandra/errors";
import type { QueryEngine, QueryResult, Row, RunOptions } from "./types";

const { types } = cassandra;

/** A Cassandra value as plain JSON-able data: timestamps ISO-8601, 64-bit integers exact, UUIDs as text. */
export function plain(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  if (v instanceof types.Long) return Number.isSafeInteger(v.toNumber()) ? v.toNumber() : v.toString();
  if (
    v instanceof types.Uuid ||
    v instanceof types.TimeUuid ||
    v instanceof types.LocalDate ||
    v instanceof types.LocalTime ||
    v instanceof types.BigDecimal ||
    v instanceof types.InetAddress
  )
    return v.toString();
  if (v instanceof types.Integer) return v.toString();
  if (Buffer.isBuffer(v)) return `0x${v.toString("hex")}`;
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(plain(k)), plain(x)]));
  if (v instanceof Set) return [...v].map(plain);
  return v;
}

export async function runCql(
  config: ResolvedConfig,
  cql: string,
  options: { fetchSize?: number; onPage?: (rows: number) => void } = {},
): Promise<QueryResult> {
  const client = createCassandraClient(config, { keyspace: config.cassandra.keyspace });
  const rows: Row[] = [];
  let columns: string[] = [];
  try {
    await client.connect();
    await new Promise<void>((resolve, reject) => {
      client.eachRow(
        cql,
        [],
        { prepare: false, fetchSize: options.fetchSize ?? 1000, autoPage: true },
        (_n: number, row: cassandra.types.Row) => {
          if (columns.length === 0) columns = row.keys();
          const out: Row = {};
          for (const c of columns) out[c] = plain(row.get(c));
          rows.push(out);
          if (rows.length % 1000 === 0) options.onPage?.(rows.length);
        },
        (err: Error | undefined, rs?: cassandra.types.ResultSet) => {
          if (err) return reject(err);
          if (columns.length === 0 && rs?.columns) columns = rs.columns.map((c) => c.name);
          resolve();
        },
      );
    });
  } finally {
    await client.shutdown().catch(() => {});
  }
  return { columns, rows };
}

export class CqlEngine implements QueryEngine {
  readonly name = "cql";
  readonly where = "Cassandra";
  constructor(private readonly loaded: LoadedConfig) {}

  async run(statement: string, options: RunOptions = {}): Promise<QueryResult> {
    try {
      return await runCql(this.loaded.config, statement, {
        onPage: (n) => options.onProgress?.(`running the query on Cassandra: ${n.toLocaleString("en-US")} rows`),
      });
    } catch (err) {
      throw cassandraError(err, this.loaded);
    }
  }

  async close(): Promise<void> {}
}
