/**
 * `stockpipe schema cassandra`: create the keyspace and tables, add the columns added since a table was created
 * (ADDED_COLUMNS), then check existing tables match exactly.
 */

import { setTimeout as sleep } from "node:timers/promises";
import type cassandra from "cassandra-driver";
import type { ResolvedConfig } from "../../config/schema";
import { RuntimeError } from "../../errors";
import { ADDED_COLUMNS, schemaStatements, TABLES, type TableSpec } from "./schema";

export async function applySchema(client: cassandra.Client, config: ResolvedConfig): Promise<{ added: string[] }> {
  const [keyspace, ...tables] = schemaStatements(config);
  await client.execute(keyspace!);
  if (config.cassandra.flavor === "keyspaces") await keyspacesReady(client, config.cassandra.keyspace, []);
  for (const cql of tables) await client.execute(cql);
  if (config.cassandra.flavor === "keyspaces")
    await keyspacesReady(
      client,
      config.cassandra.keyspace,
      TABLES.map((t) => t.name),
    );
  const added = await addColumns(client, config.cassandra.keyspace);
  const problems = (await Promise.all(TABLES.map((t) => tableDifferences(client, config.cassandra.keyspace, t)))).flat();
  if (problems.length) {
    throw new RuntimeError(
      `existing tables in keyspace ${config.cassandra.keyspace} do not match stockpipe's schema: ${problems.join("; ")}`,
      {
        hint: "nothing was changed or dropped; migrate or rename the old table, or set cassandra.keyspace to a new keyspace",
      },
    );
  }
  return { added };
}

/**
 * Amazon Keyspaces creates keyspaces and tables in the background: waits until the keyspace is listed and every
 * table is ACTIVE (system_schema_mcs), as its documentation says to before writing.
 */
export async function keyspacesReady(client: cassandra.Client, keyspace: string, tables: string[], timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const waiting = await notReady(client, keyspace, tables);
    if (waiting.length === 0) return;
    if (Date.now() > deadline) {
      throw new RuntimeError(`Keyspaces did not make ${waiting.join(", ")} ready within ${timeoutMs / 1000}s`, {
        hint: "see the table's status in the Keyspaces console; `stockpipe schema cassandra` can run again",
        retriable: true,
      });
    }
    await sleep(2000);
  }
}

async function notReady(client: cassandra.Client, keyspace: string, tables: string[]): Promise<string[]> {
  if (tables.length === 0) {
    const rs = await client.execute("SELECT keyspace_name FROM system_schema_mcs.keyspaces WHERE keyspace_name = ?", [keyspace], {
      prepare: true,
    });
    return rs.rowLength > 0 ? [] : [`keyspace ${keyspace}`];
  }
  const rs = await client.execute("SELECT table_name, status FROM system_schema_mcs.tables WHERE keyspace_name = ?", [keyspace], {
    prepare: true,
  });
  const status = new Map(rs.rows.map((r) => [String(r.get("table_name")), String(r.get("status"))]));
  return tables.filter((t) => status.get(t) !== "ACTIVE").map((t) => `table ${keyspace}.${t} (${status.get(t) ?? "not listed"})`);
}

/** Adds the missing ADDED_COLUMNS to existing tables; returns them as `table.column`. */
async function addColumns(client: cassandra.Client, keyspace: string): Promise<string[]> {
  const rs = await client.execute("SELECT table_name, column_name FROM system_schema.columns WHERE keyspace_name = ?", [keyspace], {
    prepare: true,
  });
  const live = new Set(rs.rows.map((r) => `${r.get("table_name")}.${r.get("column_name")}`));
  const added: string[] = [];
  for (const t of TABLES) {
    for (const column of ADDED_COLUMNS[t.name] ?? []) {
      if (live.has(`${t.name}.${column}`)) continue;
      const type = t.columns.find(([c]) => c === column)![1];
      await client.execute(`ALTER TABLE ${keyspace}.${t.name} ADD ${column} ${type}`);
      added.push(`${t.name}.${column}`);
    }
  }
  return added;
}

/** What differs between the live table and the spec, one phrase each (empty when it matches). */
export async function tableDifferences(client: cassandra.Client, keyspace: string, spec: TableSpec): Promise<string[]> {
  const rs = await client.execute(
    "SELECT column_name, type, kind, position FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?",
    [keyspace, spec.name],
    { prepare: true },
  );
  const live = new Map(
    rs.rows.map((r) => [
      r.get("column_name") as string,
      { type: r.get("type") as string, kind: r.get("kind") as string, position: r.get("position") as number },
    ]),
  );
  const out: string[] = [];
  for (const [col, type] of spec.columns) {
    const l = live.get(col);
    if (!l) out.push(`${spec.name}.${col} is missing (expected ${type})`);
    else if (l.type !== type) out.push(`${spec.name}.${col} is ${l.type}, expected ${type}`);
  }
  for (const col of live.keys()) if (!spec.columns.some(([c]) => c === col)) out.push(`${spec.name} has an extra column ${col}`);
  const keyOf = (kind: string) =>
    [...live]
      .filter(([, v]) => v.kind === kind)
      .sort((a, b) => a[1].position - b[1].position)
      .map(([c]) => c);
  const pk = keyOf("partition_key");
  const ck = keyOf("clustering");
  if (live.size && pk.join(",") !== spec.partitionKey.join(","))
    out.push(`${spec.name} is partitioned by (${pk.join(", ")}), expected (${spec.partitionKey.join(", ")})`);
  if (live.size && ck.join(",") !== spec.clustering.join(","))
    out.push(`${spec.name} clusters by (${ck.join(", ")}), expected (${spec.clustering.join(", ")})`);
  return out;
}
