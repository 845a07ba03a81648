/**
 * The Athena database and the external tables over the lake — ticks, bars and alerts — with partition projection
 * (dt, and interval for bars): no crawler and no MSCK REPAIR. LOCATION and storage.location.template come from the
 * same layout as the sink's keys.
 */
import type { ResolvedConfig } from "../../config/schema";
import { parseInterval } from "../../model/interval";
import { LAKE_COLUMNS_OF, type LakeKind, locationTemplate, PROJECTION, tableLocation } from "./layout";

/** The Athena table of each kind of the lake. */
export function athenaTables(config: ResolvedConfig): Record<LakeKind, string> {
  const a = config.athena;
  return { tick: a.table, bar: a.barsTable, alert: a.alertsTable };
}

function tableStatement(config: ResolvedConfig, kind: LakeKind): string {
  const a = config.athena;
  const p = PROJECTION[config.s3.partitionBy];
  const columns = LAKE_COLUMNS_OF[kind].map(([name, , type]) => `  \`${name}\` ${type}`).join(",\n");
  const format =
    config.s3.fileFormat === "parquet" ? "STORED AS PARQUET" : "ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'\nSTORED AS TEXTFILE";
  const intervals = [...new Set(config.analytics.intervals.map((i) => parseInterval(i).name))].join(",");
  const partitions = kind === "bar" ? "`interval` string, `dt` string" : "`dt` string";
  const intervalProjection =
    kind === "bar" ? `  'projection.interval.type' = 'enum',\n  'projection.interval.values' = '${intervals}',\n` : "";
  return `CREATE EXTERNAL TABLE IF NOT EXISTS \`${a.database}\`.\`${athenaTables(config)[kind]}\` (
${columns}
)
PARTITIONED BY (${partitions})
${format}
LOCATION '${tableLocation(config, kind)}'
TBLPROPERTIES (
  'projection.enabled' = 'true',
${intervalProjection}  'projection.dt.type' = 'date',
  'projection.dt.format' = '${p.format}',
  'projection.dt.range' = '${p.start},NOW',
  'projection.dt.interval' = '1',
  'projection.dt.interval.unit' = '${p.unit}',
  'storage.location.template' = '${locationTemplate(config, kind)}'
)`;
}

export function athenaStatements(config: ResolvedConfig): string[] {
  return [
    `CREATE DATABASE IF NOT EXISTS \`${config.athena.database}\``,
    tableStatement(config, "tick"),
    tableStatement(config, "bar"),
    tableStatement(config, "alert"),
  ];
}
