/**
 * The local engine: SQL over the lake without AWS. The table's objects are synced into a local cache and
 * DuckDB runs the query, with `ticks` naming the lake table and `dt` its partition column.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance, DuckDBTimestampValue } from "@duckdb/node-api";
import type { Row } from "../ui/output";

function hasFiles(dir: string, ext: string): boolean {
  if (!existsSync(dir)) return false;
  return readdirSync(dir, { recursive: true }).some((f) => String(f).endsWith(ext));
}

/** DuckDB values as plain data: timestamps ISO-8601 (UTC), 64-bit integers exact, the rest as DuckDB prints them. */
function plain(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof DuckDBTimestampValue) return new Date(Number(v.micros / 1000n)).toISOString();
  if (typeof v === "object") return String(v);
  return v;
}

export async function runLocal(sql: string, dir: string): Promise<{ columns: string[]; rows: Row[] }> {
  const db = await DuckDBInstance.create(":memory:");
  const connection = await db.connect();
  try {
    const parquet = hasFiles(dir, ".parquet");
    const jsonl = hasFiles(dir, ".jsonl");
    const glob = (ext: string) => `'${join(dir, "**", `*.${ext}`).replace(/'/g, "''")}'`;
    const sources = [
      parquet ? `SELECT * EXCLUDE (dt), CAST(dt AS DATE) AS dt FROM read_parquet(${glob("parquet")}, hive_partitioning = true, hive_types_autocast = false)` : undefined,
      jsonl ? `SELECT * EXCLUDE (dt, adjClose, ts), adjClose AS adj_close, CAST(ts AS TIMESTAMP) AS ts, CAST(dt AS DATE) AS dt FROM read_json(${glob("jsonl")}, format = 'newline_delimited', hive_partitioning = true)` : undefined,
    ].filter(Boolean);
    const empty = "SELECT NULL::VARCHAR AS symbol, NULL::TIMESTAMP AS ts, NULL::DOUBLE AS price, NULL::DATE AS dt WHERE false";
    await connection.run(`CREATE VIEW ticks AS ${sources.length ? sources.join(" UNION ALL BY NAME ") : empty}`);
    const reader = await connection.runAndReadAll(sql);
    const columns = reader.columnNames();
    const rows = reader.getRowObjects().map((r) => {
      const out: Row = {};
      for (const c of columns) out[c] = plain(r[c]);
      return out;
    });
    return { columns, rows };
  } finally {
    connection.closeSync();
  }
}
