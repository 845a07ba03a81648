/** What the live tables have of the columns added after their first version (schema.ts ADDED_COLUMNS). */
import type cassandra from "cassandra-driver";

/** The tables of `keyspace` that have the `volume_dec` column (fractional volumes). */
export async function tablesWithFractionalVolume(client: cassandra.Client, keyspace: string): Promise<Set<string>> {
  const rs = await client.execute("SELECT table_name, column_name FROM system_schema.columns WHERE keyspace_name = ?", [keyspace], {
    prepare: true,
  });
  return new Set(rs.rows.filter((r) => r.get("column_name") === "volume_dec").map((r) => r.get("table_name") as string));
}
