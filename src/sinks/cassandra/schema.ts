/**
 * The Cassandra tables, from config. `ticks` is partitioned by (symbol, day, bucket): day is the trading date
 * in market.timeZone, bucket the slice of that day (cassandra.bucketMinutes), so a partition stays bounded
 * however busy a symbol is. Rows cluster by ts DESC, then id: two ticks in the same millisecond are both
 * kept, and a re-delivered tick (same id) overwrites itself.
 */
import type { ResolvedConfig } from "../../config/schema";

/** Column → CQL type, in table order, shared by the DDL and the mismatch check. */
export const TICK_COLUMNS: [string, string][] = [
  ["symbol", "text"],
  ["day", "date"],
  ["bucket", "int"],
  ["ts", "timestamp"],
  ["id", "uuid"],
  ["price", "double"],
  ["open", "double"],
  ["high", "double"],
  ["low", "double"],
  ["close", "double"],
  ["adj_close", "double"],
  ["volume", "bigint"],
  ["bid", "double"],
  ["ask", "double"],
  ["currency", "text"],
  ["source", "text"],
  ["seq", "bigint"],
  // A fractional volume (then volume is unset); added to existing tables by `schema cassandra`.
  ["volume_dec", "decimal"],
  // A quote's sizes at the bid and the ask; added to existing tables by `schema cassandra`.
  ["bid_size", "double"],
  ["ask_size", "double"],
];

export const LATEST_COLUMNS: [string, string][] = TICK_COLUMNS.filter(([c]) => c !== "bucket");

/** Bars: one partition per symbol, interval and trading day (of the bar's start), newest bar first. */
export const BAR_COLUMNS: [string, string][] = [
  ["symbol", "text"],
  ["interval", "text"],
  ["day", "date"],
  ["start", "timestamp"],
  ["end", "timestamp"],
  ["open", "double"],
  ["high", "double"],
  ["low", "double"],
  ["close", "double"],
  ["volume", "bigint"],
  ["vwap", "double"],
  ["trades", "bigint"],
  ["id", "uuid"],
  ["volume_dec", "decimal"],
  // The trading day of the bar's session (bar.session); added to existing tables by `schema cassandra`.
  ["session", "text"],
];

/** Alerts: one partition per trading day, newest first — what fired today, across symbols. */
export const ALERT_COLUMNS: [string, string][] = [
  ["day", "date"],
  ["ts", "timestamp"],
  ["id", "uuid"],
  ["symbol", "text"],
  ["rule", "text"],
  ["severity", "text"],
  ["value", "double"],
  ["threshold", "double"],
  ["message", "text"],
];

/**
 * Columns added after a table's first version, per table: `schema cassandra` adds them to an existing table, and
 * the sink and the readers work without them (a record that needs one then cannot be written, and says so).
 */
export const ADDED_COLUMNS: Record<string, string[]> = {
  ticks: ["volume_dec", "bid_size", "ask_size"],
  latest_ticks: ["volume_dec", "bid_size", "ask_size"],
  bars: ["volume_dec", "session"],
};

/** Every added column, as `table.column`: what a table made by this version has. */
export const ALL_ADDED: ReadonlySet<string> = new Set(Object.entries(ADDED_COLUMNS).flatMap(([t, cs]) => cs.map((c) => `${t}.${c}`)));

/** A table's columns without the added ones the live table lacks (`present`: the added ones it has, as `table.column`). */
export function presentColumns(columns: [string, string][], table: string, present: ReadonlySet<string>): [string, string][] {
  return columns.filter(([c]) => !ADDED_COLUMNS[table]?.includes(c) || present.has(`${table}.${c}`));
}

export interface TableSpec {
  name: string;
  columns: [string, string][];
  partitionKey: string[];
  clustering: string[];
}

export const TABLES: TableSpec[] = [
  { name: "ticks", columns: TICK_COLUMNS, partitionKey: ["symbol", "day", "bucket"], clustering: ["ts", "id"] },
  { name: "latest_ticks", columns: LATEST_COLUMNS, partitionKey: ["symbol"], clustering: [] },
  { name: "bars", columns: BAR_COLUMNS, partitionKey: ["symbol", "interval", "day"], clustering: ["start"] },
  { name: "alerts", columns: ALERT_COLUMNS, partitionKey: ["day"], clustering: ["ts", "id"] },
];

export function keyspaceCql(config: ResolvedConfig): string {
  // Keyspaces replicates across three zones of the region itself: its one strategy for a regional keyspace.
  if (config.cassandra.flavor === "keyspaces") {
    return `CREATE KEYSPACE IF NOT EXISTS ${config.cassandra.keyspace} WITH replication = {'class': 'SingleRegionStrategy'}`;
  }
  const r = config.cassandra.replication;
  const replication =
    r.class === "SimpleStrategy"
      ? `{'class': 'SimpleStrategy', 'replication_factor': ${r.factor}}`
      : `{'class': 'NetworkTopologyStrategy', ${Object.entries(r.dataCenters)
          .map(([dc, n]) => `'${dc}': ${n}`)
          .join(", ")}}`;
  return `CREATE KEYSPACE IF NOT EXISTS ${config.cassandra.keyspace} WITH replication = ${replication}`;
}

/**
 * A table's options on Amazon Keyspaces: no compaction (Keyspaces has none to set); TTL turned on with the
 * ttl custom property when there is one; client-side timestamps where rows are written USING TIMESTAMP
 * (latest_ticks) — both one-way switches on Keyspaces, as documented.
 */
function keyspacesTableCql(config: ResolvedConfig, spec: TableSpec, head: string, order: string, comment: string): string {
  const ttl = spec.name !== "latest_ticks" && config.cassandra.ttlSeconds > 0;
  const custom = [
    ...(ttl ? ["'ttl': {'status': 'enabled'}"] : []),
    ...(spec.name === "latest_ticks" ? ["'client_side_timestamps': {'status': 'enabled'}"] : []),
  ];
  const options = [
    ...(order ? [order] : []),
    ...(ttl ? [`default_time_to_live = ${config.cassandra.ttlSeconds}`] : []),
    ...(custom.length ? [`CUSTOM_PROPERTIES = {${custom.join(", ")}}`] : []),
    `comment = '${comment}'`,
  ];
  return `${head} WITH ${options.join("\n  AND ")}`;
}

/** Clustering order of the tables that have one. */
const CLUSTERING_ORDER: Record<string, string> = {
  ticks: "CLUSTERING ORDER BY (ts DESC, id ASC)",
  bars: "CLUSTERING ORDER BY (start DESC)",
  alerts: "CLUSTERING ORDER BY (ts DESC, id ASC)",
};

export function tableCql(config: ResolvedConfig, spec: TableSpec): string {
  const ks = config.cassandra.keyspace;
  const cols = spec.columns.map(([c, t]) => `  ${c} ${t}`).join(",\n");
  const pk = `PRIMARY KEY ((${spec.partitionKey.join(", ")})${spec.clustering.length ? `, ${spec.clustering.join(", ")}` : ""})`;
  if (config.cassandra.flavor === "keyspaces") {
    const head = `CREATE TABLE IF NOT EXISTS ${ks}.${spec.name} (\n${cols},\n  ${pk}\n)`;
    return keyspacesTableCql(config, spec, head, CLUSTERING_ORDER[spec.name] ?? "", TABLE_COMMENTS[spec.name]!(config));
  }
  if (spec.name === "ticks") {
    return `CREATE TABLE IF NOT EXISTS ${ks}.ticks (\n${cols},\n  ${pk}\n) WITH CLUSTERING ORDER BY (ts DESC, id ASC)
  AND compaction = {'class': 'TimeWindowCompactionStrategy', 'compaction_window_unit': 'DAYS', 'compaction_window_size': 1}
  AND default_time_to_live = ${config.cassandra.ttlSeconds}
  AND comment = '${TABLE_COMMENTS.ticks!(config)}'`;
  }
  if (spec.name === "bars") {
    return `CREATE TABLE IF NOT EXISTS ${ks}.bars (\n${cols},\n  ${pk}\n) WITH CLUSTERING ORDER BY (start DESC)
  AND default_time_to_live = ${config.cassandra.ttlSeconds}
  AND comment = '${TABLE_COMMENTS.bars!(config)}'`;
  }
  if (spec.name === "alerts") {
    return `CREATE TABLE IF NOT EXISTS ${ks}.alerts (\n${cols},\n  ${pk}\n) WITH CLUSTERING ORDER BY (ts DESC, id ASC)
  AND default_time_to_live = ${config.cassandra.ttlSeconds}
  AND comment = '${TABLE_COMMENTS.alerts!(config)}'`;
  }
  return `CREATE TABLE IF NOT EXISTS ${ks}.latest_ticks (\n${cols},\n  ${pk}\n) WITH comment = '${TABLE_COMMENTS.latest_ticks!(config)}'`;
}

/** Each table's comment (the same on Cassandra and Keyspaces). */
const TABLE_COMMENTS: Record<string, (config: ResolvedConfig) => string> = {
  ticks: (c) =>
    `stockpipe tick v1, partitioned by (symbol, trading day in ${c.market.timeZone}, ${c.cassandra.bucketMinutes}-minute bucket)`,
  bars: (c) => `stockpipe bar v1, partitioned by (symbol, interval, trading day of the bar start in ${c.market.timeZone})`,
  alerts: (c) => `stockpipe alert v1, partitioned by trading day in ${c.market.timeZone}, newest first`,
  latest_ticks: () => "stockpipe: the latest tick per symbol (by event time)",
};

export function schemaStatements(config: ResolvedConfig): string[] {
  return [keyspaceCql(config), ...TABLES.map((t) => tableCql(config, t))];
}
