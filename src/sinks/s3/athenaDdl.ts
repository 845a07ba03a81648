/**
 * The Athena database and the external Parquet table over the lake, with partition projection on dt: no crawler
 * and no MSCK REPAIR. LOCATION and storage.location.template come from the same layout as the sink's keys.
 */
import type { ResolvedConfig } from "../../config/schema";
import { LAKE_COLUMNS, locationTemplate, tableLocation } from "./layout";

export function athenaStatements(config: ResolvedConfig): string[] {
  const a = config.athena;
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
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '1970-01-01,NOW',
  'projection.dt.interval' = '1',
  'projection.dt.interval.unit' = 'DAYS',
  'storage.location.template' = '${locationTemplate(config)}'
)`,
  ];
}
