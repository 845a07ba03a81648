/**
 * The local engine: SQL over the lake without AWS. The lake's objects are synced into a local cache and DuckDB
 * runs the query over its tables `ticks`, `bars` and `alerts`, with `dt` their partition column.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance, DuckDBTimestampValue } from "@duckdb/node-api";
import type { LoadedConfig } from "../config/loader";
import { RuntimeError } from "../errors";
import { s3Error } from "../sinks/s3/errors";
import { jsonLakeColumns, LAKE_COLUMNS_OF, type LakeKind } from "../sinks/s3/layout";
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

/** Whether every dt= partition folder under `dir` (at any depth) is a day (YYYY-MM-DD): then dt is a DATE, else its text. */
function dailyPartitions(dir: string): boolean {
  if (!existsSync(dir)) return true;
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((d) => /(^|\/)dt=[^/]*$/.test(d))
    .every((d) => /(^|\/)dt=\d{4}-\d{2}-\d{2}$/.test(d));
}

/** The lake's tables: each a folder under the lake's root, its file columns, and an empty stand-in for a table with no files yet. */
const TABLES: { name: string; folder: string; kind: LakeKind; partitions: string[] }[] = [
  { name: "ticks", folder: "ticks", kind: "tick", partitions: ["dt"] },
  { name: "bars", folder: "bars", kind: "bar", partitions: ["interval", "dt"] },
  { name: "alerts", folder: "alerts", kind: "alert", partitions: ["dt"] },
];

/** The SELECT a table's view is made of: its Parquet and JSON-lines files, or no rows with its columns. */
function tableSource(root: string, t: (typeof TABLES)[number]): string {
  const dir = join(root, t.folder);
  const daily = dailyPartitions(dir);
  const dt = daily ? "CAST(dt AS DATE)" : "dt";
  const glob = (ext: string) => sqlString(join(dir, "**", `*.${ext}`));
  const columns = LAKE_COLUMNS_OF[t.kind];
  const json = jsonLakeColumns(t.kind);
  // Every column, typed, even where no file has it (files written before a column was added read it as null).
  const empty = columns.map(([c, type]) => `NULL::${type} AS "${c}"`);
  for (const p of t.partitions) empty.push(p === "dt" ? `NULL::${daily ? "DATE" : "VARCHAR"} AS dt` : `NULL::VARCHAR AS "${p}"`);
  const sources = [
    `SELECT ${empty.join(", ")} WHERE false`,
    hasFiles(dir, ".parquet")
      ? `SELECT * EXCLUDE (dt), ${dt} AS dt FROM read_parquet(${glob("parquet")}, hive_partitioning = true, hive_types_autocast = false, union_by_name = true)`
      : undefined,
    hasFiles(dir, ".jsonl")
      ? `SELECT ${json.select.join(", ")}, ${t.partitions
          .filter((p) => p !== "dt")
          .map((p) => `"${p}", `)
          .join("")}${dt} AS dt FROM read_json(${glob("jsonl")}, format = 'newline_delimited', hive_partitioning = true, ` +
        // The columns are given, not sampled: a field absent from every sampled row (a quote tick's open) is still a column.
        `hive_types_autocast = false, columns = {${json.columns}})`
      : undefined,
  ].filter(Boolean);
  return sources.join(" UNION ALL BY NAME ");
}

/**
 * Runs `sql` over the lake files under `root` (the lake's root: ticks/, bars/, alerts/), with `ticks`, `bars`
 * and `alerts` its tables. `dt` is their partition column: a DATE when the lake is partitioned by day, the
 * partition's text (YYYY-MM, YYYY) when by month or year — read from the files, so a query needs no setting to
 * match how they were written. `bars` also has `interval`, from its folders.
 */
export async function runLocal(sql: string, root: string): Promise<{ columns: string[]; rows: Row[] }> {
  const connection = await openLakeFiles(root);
  try {
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

/** Like runLocal, the rows a chunk at a time (a few thousand), for a reader of the whole lake: memory holds one chunk. */
export async function* streamLocal(sql: string, root: string): AsyncGenerator<Row[]> {
  const connection = await openLakeFiles(root);
  try {
    const result = await connection.stream(sql);
    const columns = result.columnNames();
    for await (const chunk of result.yieldRowObjects()) {
      yield chunk.map((r) => {
        const out: Row = {};
        for (const c of columns) out[c] = plain(r[c]);
        return out;
      });
    }
  } finally {
    connection.closeSync();
  }
}

/** A DuckDB connection with the lake files under `root` as its tables `ticks`, `bars` and `alerts` (see runLocal). */
export async function openLakeFiles(root: string): Promise<DuckDBConnection> {
  const db = await DuckDBInstance.create(":memory:");
  const connection = await db.connect();
  for (const t of TABLES) await connection.run(`CREATE VIEW ${t.name} AS ${tableSource(root, t)}`);
  return connection;
}

/** Brings the local cache of the lake up to date and opens DuckDB over it, for a program that reads it in bulk. */
export async function openLake(
  loaded: LoadedConfig,
  onProgress?: (message: string) => void,
): Promise<{ connection: DuckDBConnection; objects: number }> {
  const synced = await syncCache(loaded, onProgress);
  return { connection: await openLakeFiles(synced.dir), objects: synced.objects };
}

async function syncCache(loaded: LoadedConfig, onProgress?: (message: string) => void) {
  const s3 = loaded.config.s3;
  onProgress?.(`syncing s3://${s3.bucket}/${s3.prefix} into the local cache`);
  return syncLake(loaded.config, (done, total) => onProgress?.(`syncing the lake: ${done}/${total} new objects`)).catch((err) => {
    throw s3Error(err, loaded, `list the lake at s3://${s3.bucket}/${s3.prefix}`);
  });
}

/** SQL over the lake: brings the local cache up to date, then runs DuckDB over it. */
export class LocalEngine implements QueryEngine {
  readonly name = "local";
  readonly where = "the lake (DuckDB)";
  constructor(private readonly loaded: LoadedConfig) {}

  async run(statement: string, options: RunOptions = {}): Promise<QueryResult> {
    const synced = await syncCache(this.loaded, options.onProgress);
    options.onProgress?.(`running the query over ${synced.objects} files`);
    try {
      const result = await runLocal(statement, synced.dir);
      return {
        ...result,
        note: `lake cache: ${synced.objects} objects, ${synced.downloaded} downloaded${synced.removed ? `, ${synced.removed} removed` : ""}`,
      };
    } catch (err) {
      throw new RuntimeError(`local engine: ${(err as Error).message.split("\n")[0]}`, {
        hint: "the lake's tables are ticks, bars (with interval) and alerts, each with dt, its date partition; the SQL dialect is DuckDB's",
        cause: err,
      });
    }
  }

  async close(): Promise<void> {}
}
