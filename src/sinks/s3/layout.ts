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

/** The record kinds of the lake: each a table of its own under the lake's prefix. */
export type LakeKind = "tick" | "bar" | "alert";

export const LAKE_TABLES: Record<LakeKind, string> = { tick: "ticks", bar: "bars", alert: "alerts" };

/** The lake's root: `<prefix>/`, or "" without a prefix. */
export function lakeRoot(config: ResolvedConfig): string {
  return config.s3.prefix ? `${config.s3.prefix}/` : "";
}

export function tablePrefix(config: ResolvedConfig, kind: LakeKind = "tick"): string {
  return `${lakeRoot(config)}${LAKE_TABLES[kind]}/`;
}

/** A record's folder under the lake's root, before dt=: `ticks`, `bars/interval=1m`, `alerts`. */
export function kindFolder(kind: LakeKind, interval?: string): string {
  return kind === "bar" ? `bars/interval=${interval}` : LAKE_TABLES[kind];
}

export function objectKey(
  config: ResolvedConfig,
  folder: string,
  dt: string,
  topic: string,
  partition: number,
  startOffset: string,
): string {
  const ext = config.s3.fileFormat === "parquet" ? "parquet" : "jsonl";
  return `${lakeRoot(config)}${folder}/dt=${dt}/${topic}+${partition}+${startOffset}.${ext}`;
}

export function tableLocation(config: ResolvedConfig, kind: LakeKind = "tick"): string {
  return `s3://${config.s3.bucket}/${tablePrefix(config, kind)}`;
}

/** Athena's partition projection template: the same layout as objectKey. */
export function locationTemplate(config: ResolvedConfig, kind: LakeKind = "tick"): string {
  const interval = kind === "bar" ? `interval=\${interval}/` : "";
  return `${tableLocation(config, kind)}${interval}dt=\${dt}/`;
}

/** The exact type of a fractional volume (model/volume.ts: at most 8 decimal places). */
const VOLUME_DEC = "DECIMAL(38,8)";

/** Columns of the ticks' files, in order, with their DuckDB and Athena types. */
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
  // A fractional volume (volume is then null); files written before it lack the column, which reads as null.
  ["volume_dec", VOLUME_DEC, "decimal(38,8)"],
  // A quote's sizes; files written before them lack the columns, which read as null.
  ["bid_size", "DOUBLE", "double"],
  ["ask_size", "DOUBLE", "double"],
];

/** Columns of the bars' files (interval is the partition folder's). */
export const BAR_LAKE_COLUMNS: [name: string, duckdb: string, athena: string][] = [
  ["symbol", "VARCHAR", "string"],
  ["start", "TIMESTAMP", "timestamp"],
  ["end", "TIMESTAMP", "timestamp"],
  ["open", "DOUBLE", "double"],
  ["high", "DOUBLE", "double"],
  ["low", "DOUBLE", "double"],
  ["close", "DOUBLE", "double"],
  ["volume", "BIGINT", "bigint"],
  ["vwap", "DOUBLE", "double"],
  ["trades", "BIGINT", "bigint"],
  ["id", "VARCHAR", "string"],
  ["volume_dec", VOLUME_DEC, "decimal(38,8)"],
  // The bar's trading session (bar.session); files written before it lack the column, which reads as null.
  ["session", "VARCHAR", "string"],
];

/** Columns of the alerts' files. */
export const ALERT_LAKE_COLUMNS: [name: string, duckdb: string, athena: string][] = [
  ["symbol", "VARCHAR", "string"],
  ["ts", "TIMESTAMP", "timestamp"],
  ["rule", "VARCHAR", "string"],
  ["severity", "VARCHAR", "string"],
  ["value", "DOUBLE", "double"],
  ["threshold", "DOUBLE", "double"],
  ["message", "VARCHAR", "string"],
  ["id", "VARCHAR", "string"],
];

export const LAKE_COLUMNS_OF: Record<LakeKind, [string, string, string][]> = {
  tick: LAKE_COLUMNS,
  bar: BAR_LAKE_COLUMNS,
  alert: ALERT_LAKE_COLUMNS,
};

/** A column's JSON field: the records' own names (adj_close is adjClose, bid_size bidSize), and volume_dec comes from volume. */
function jsonField(column: string): string {
  return column === "volume_dec" ? "volume" : column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * How DuckDB reads a kind's JSON lines (tick, bar, alert v1): `columns` for read_json — times and volumes as
 * their text — and the SELECT list that makes the lake's typed columns of them. A volume's text with a point or an
 * exponent is fractional and cast to a decimal exactly, into `volume_dec`; any other is whole and goes to `volume`
 * (BIGINT). Telling them apart by the text keeps the decimal cast (8× the cost of the whole COPY when every row
 * took it) to the fractional rows. The Parquet encoder and the local engine's view of JSON-lines files share it.
 */
export function jsonLakeColumns(kind: LakeKind): { columns: string; select: string[] } {
  const columns = LAKE_COLUMNS_OF[kind]
    .filter(([name]) => name !== "volume_dec")
    .map(([name, type]) => `'${jsonField(name)}': '${type === "TIMESTAMP" || name === "volume" ? "VARCHAR" : type}'`)
    .join(", ");
  const select = LAKE_COLUMNS_OF[kind].map(([name, type]) => {
    const source = `"${jsonField(name)}"`;
    const fractional = `(contains(${source}, '.') OR contains(${source}, 'e') OR contains(${source}, 'E'))`;
    if (name === "volume") return `CASE WHEN NOT ${fractional} THEN CAST(${source} AS BIGINT) END AS "volume"`;
    if (name === "volume_dec") return `CASE WHEN ${fractional} THEN CAST(${source} AS ${VOLUME_DEC}) END AS "volume_dec"`;
    // ts is ISO-8601 UTC with a Z: parse it exactly, as a UTC timestamp without zone.
    return type === "TIMESTAMP" ? `strptime(${source}, '%Y-%m-%dT%H:%M:%S.%gZ') AS "${name}"` : `${source} AS "${name}"`;
  });
  return { columns, select };
}
