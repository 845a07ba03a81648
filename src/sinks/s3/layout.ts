/**
 * Where the lake's files go, from config: s3://<bucket>/<prefix>/ticks/dt=<period>/<topic>+<partition>+<startOffset>.<ext>,
 * where the period is the trading day (YYYY-MM-DD), its month (YYYY-MM) or its year (YYYY), by s3.partitionBy.
 * The sink's keys, the Athena table's LOCATION and storage.location.template, and the local engine's cache all
 * come from these functions, so they cannot disagree.
 */
import type { ResolvedConfig } from "../../config/schema";

export type PartitionBy = ResolvedConfig["s3"]["partitionBy"];

/** The dt= value of a trading day (YYYY-MM-DD) at the lake's granularity. */
export function periodOf(day: string, partitionBy: PartitionBy): string {
  return partitionBy === "day" ? day : day.slice(0, partitionBy === "month" ? 7 : 4);
}

/** Athena's partition projection for dt at each granularity: the date format, its unit and the range's start. */
export const PROJECTION: Record<PartitionBy, { format: string; unit: string; start: string }> = {
  day: { format: "yyyy-MM-dd", unit: "DAYS", start: "1970-01-01" },
  month: { format: "yyyy-MM", unit: "MONTHS", start: "1970-01" },
  year: { format: "yyyy", unit: "YEARS", start: "1970" },
};

export function tablePrefix(config: ResolvedConfig): string {
  return `${config.s3.prefix ? `${config.s3.prefix}/` : ""}ticks/`;
}

export function objectKey(config: ResolvedConfig, dt: string, topic: string, partition: number, startOffset: string): string {
  const ext = config.s3.fileFormat === "parquet" ? "parquet" : "jsonl";
  return `${tablePrefix(config)}dt=${dt}/${topic}+${partition}+${startOffset}.${ext}`;
}

export function tableLocation(config: ResolvedConfig): string {
  return `s3://${config.s3.bucket}/${tablePrefix(config)}`;
}

/** Athena's partition projection template: the same layout as objectKey. */
export function locationTemplate(config: ResolvedConfig): string {
  return `${tableLocation(config)}dt=\${dt}/`;
}

/** Columns of the lake files, in order, with their DuckDB and Athena types. */
export const LAKE_COLUMNS: [name: string, duckdb: string, athena: string][] = [
  ["symbol", "VARCHAR", "string"],
  ["ts", "TIMESTAMP", "timestamp"],
  ["price", "DOUBLE", "double"],
  ["open", "DOUBLE", "double"],
  ["high", "DOUBLE", "double"],
  ["low", "DOUBLE", "double"],
  ["close", "DOUBLE", "double"],
  ["adj_close", "DOUBLE", "double"],
  ["volume", "BIGINT", "bigint"],
  ["bid", "DOUBLE", "double"],
  ["ask", "DOUBLE", "double"],
  ["currency", "VARCHAR", "string"],
  ["source", "VARCHAR", "string"],
  ["seq", "BIGINT", "bigint"],
  ["id", "VARCHAR", "string"],
];
