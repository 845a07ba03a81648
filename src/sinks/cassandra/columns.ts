/** What the live tables have of the columns added after their first version (schema.ts ADDED_COLUMNS). */
import type cassandra from "cassandra-driver";
import { ADDED_COLUMNS } from "./schema";

/** The added columns the tables of `keyspace` have, as `table.column` (`bars.volume_dec`, `bars.session`, …). */
export async function presentAddedColumns(client: cassandra.Client, keyspace: string): Promise<Set<string>> {
  const rs = await client.execute("SELECT table_name, column_name FROM system_schema.columns WHERE keyspace_name = ?", [keyspace], {
    prepare: true,
  });
  const out = new Set<string>();
  for (const r of rs.rows) {
    const table = r.get("table_name") as string;
    const column = r.get("column_name") as string;
    if (ADDED_COLUMNS[table]?.includes(column)) out.add(`${table}.${column}`);
  }
  return out;
}
