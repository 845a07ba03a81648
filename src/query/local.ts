/**
 * The local engine: SQL over the lake without AWS. The table's objects are synced into a local cache and
 * DuckDB runs the query, with `ticks` naming the lake table and `dt` its partition column.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance, DuckDBTimestampValue } from "@duckdb/node-api";
import type { LoadedConfig } from "../config/loader";
import { RuntimeError } from "../errors";
import { s3Error } from "../sinks/s3/errors";
import { sqlString } from "../util/sql";
import { syncLake } from "./lakeCache";
import type { QueryEngine, QueryResult, Row, RunOptions } from "./types";

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

/** Whether every dt= partition under `dir` is a day (YYYY-MM-DD): then dt is a DATE, else its text. */
function dailyPartitions(dir: string): boolean {
  if (!existsSync(dir)) return true;
  return readdirSync(dir)
    .filter((d) => d.startsWith("dt="))
    .every((d) => /^dt=\d{4}-\d{2}-\d{2}$/.test(d));
}

/**
 * Runs `sql` over the lake files under `dir`, with `ticks` the lake table. `dt` is its partition column: a DATE
 * when the lake is partitioned by day, the partition's text (YYYY-MM, YYYY) when by month or year — read from
 * the files, so a query needs no setting to match how they were written.
 */
export async function runLocal(sql: string, dir: string): Promise<{ columns: string[]; rows: Row[] }> {
  const db = await DuckDBInstance.create(":memory:");
  const connection = await db.connect();
  try {
    const parquet = hasFiles(dir, ".parquet");
    const jsonl = hasFiles(dir, ".jsonl");
    const glob = (ext: string) => sqlString(join(dir, "**", `*.${ext}`));
    const daily = dailyPartitions(dir);
    const dt = daily ? "CAST(dt AS DATE)" : "dt";
    const dtType = daily ? "DATE" : "VARCHAR";
    const sources = [
      parquet
        ? `SELECT * EXCLUDE (dt), ${dt} AS dt FROM read_parquet(${glob("parquet")}, hive_partitioning = true, hive_types_autocast = false)`
        : undefined,
      jsonl
        ? `SELECT * EXCLUDE (dt, adjClose, ts), adjClose AS adj_close, CAST(ts AS TIMESTAMP) AS ts, ${dt} AS dt FROM read_json(${glob("jsonl")}, format = 'newline_delimited', hive_partitioning = true, hive_types_autocast = false)`
        : undefined,
    ].filter(Boolean);
    const empty = `SELECT NULL::VARCHAR AS symbol, NULL::TIMESTAMP AS ts, NULL::DOUBLE AS price, NULL::${dtType} AS dt WHERE false`;
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

/** SQL over the lake: brings the local cache up to date, then runs DuckDB over it. */
export class LocalEngine implements QueryEngine {
  readonly name = "local";
  readonly where = "the lake (DuckDB)";
  constructor(private readonly loaded: LoadedConfig) {}

  async run(statement: string, options: RunOptions = {}): Promise<QueryResult> {
    const s3 = this.loaded.config.s3;
    options.onProgress?.(`syncing s3://${s3.bucket}/${s3.prefix} into the local cache`);
    const synced = await syncLake(this.loaded.config, (done, total) =>
      options.onProgress?.(`syncing the lake: ${done}/${total} new objects`),
    ).catch((err) => {
      throw s3Error(err, this.loaded, `list the lake at s3://${s3.bucket}/${s3.prefix}`);
    });
    options.onProgress?.(`running the query over ${synced.objects} files`);
    try {
      const result = await runLocal(statement, synced.dir);
      return {
        ...result,
        note: `lake cache: ${synced.objects} objects, ${synced.downloaded} downloaded${synced.removed ? `, ${synced.removed} removed` : ""}`,
      };
    } catch (err) {
      throw new RuntimeError(`local engine: ${(err as Error).message.split("\n")[0]}`, {
        hint: "`ticks` is the lake table (dt is its date partition); the SQL dialect is DuckDB's",
        cause: err,
      });
    }
  }

  async close(): Promise<void> {}
}
