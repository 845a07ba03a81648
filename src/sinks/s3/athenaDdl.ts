/**
 * The Athena database and the external Parquet table over the lake, with partition projection on dt: no crawler
 * and no MSCK REPAIR. LOCATION and storage.location.template come from the same layout as the sink's keys.
 */
import type { ResolvedConfig } from "../../config/schema";
import { LAKE_COLUMNS, locationTemplate, PROJECTION, tableLocation } from "./layout";

export function athenaStatements(config: ResolvedConfig): string[] {
  const a = config.athena;
  const p = PROJECTION[config.s3.partitionBy];
  const columns = LAKE_COLUMNS.map(([name, , type]) => `  \`${name}\` ${type}`).join(",\n");
  const format =
    config.s3.fileFormat === "parquet" ? "STORED AS PARQUET" : "ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'\nSTORED AS TEXTFILE";
  return [
    `CREATE DATABASE IF NOT EXISTS \`${a.database}\``,
    `CREATE EXTERNAL TABLE IF NOT EXISTS \`${a.database}\`.\`${a.table}\` (
${columns}
)
PARTITIONED BY (\`dt\` string)
${format}
LOCATION '${tableLocation(config)}'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = '${p.format}',
  'projection.dt.range' = '${p.start},NOW',
  'projection.dt.interval' = '1',
  'projection.dt.interval.unit' = '${p.unit}',
  'storage.location.template' = '${locationTemplate(config)}'
)`,
  ];
}
