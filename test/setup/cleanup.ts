/**
 * After a test run: removes the topics and keyspaces the run's tests made, so the local stack does not grow by
 * a few million rows per run. Tests name them with `uniqueName` (`<prefix>-<base-36 time>-<6 hex>`, or with
 * `_` in keyspaces, optionally with a `_<n>` suffix, and topics derived from them such as `<name>.dlq`, `<name>.bars.1m`); a name is removed only if its time is after the run began,
 * so nothing a developer made by hand, and nothing from a concurrent older run, is touched.
 */
import type { ResolvedConfig } from "../../src/config/schema";
import { createKafka } from "../../src/kafka/client";
import { createCassandraClient } from "../../src/sinks/cassandra/client";

const NAME = /^[a-z][a-z0-9_-]*?[-_]([0-9a-z]{8})[-_][0-9a-f]{6}(?:[-_][0-9a-z]+)*(?:\.[A-Za-z0-9._-]+)?$/;

/** Whether `name` was made by a test of the run that began at `since` (epoch ms). */
export function madeByRun(name: string, since: number): boolean {
  const m = NAME.exec(name);
  if (!m) return false;
  const at = parseInt(m[1]!, 36);
  return at >= since && at <= Date.now();
}

export async function removeTestArtifacts(config: ResolvedConfig, since: number): Promise<{ topics: number; keyspaces: number }> {
  let topics: string[] = [];
  let keyspaces: string[] = [];
  const admin = createKafka(config, { retries: 1 }).admin();
  try {
    await admin.connect();
    topics = (await admin.listTopics()).filter((t) => madeByRun(t, since));
    if (topics.length) await admin.deleteTopics({ topics, timeout: 30_000 });
  } catch {
    topics = [];
  } finally {
    await admin.disconnect().catch(() => {});
  }
  const cql = createCassandraClient(config);
  try {
    await cql.connect();
    const rows = (await cql.execute("SELECT keyspace_name FROM system_schema.keyspaces")).rows;
    keyspaces = rows.map((r) => String(r.keyspace_name)).filter((k) => madeByRun(k, since));
    for (const k of keyspaces) await cql.execute(`DROP KEYSPACE IF EXISTS ${k}`);
  } catch {
    keyspaces = [];
  } finally {
    await cql.shutdown().catch(() => {});
  }
  return { topics: topics.length, keyspaces: keyspaces.length };
}
