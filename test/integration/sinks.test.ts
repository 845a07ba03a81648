/** The Sink contract (test/sinks/conformance.ts) against the real stores: Cassandra and the S3 lake on the local stack. */
import cassandra from "cassandra-driver";
import { afterAll, expect } from "vitest";
import { type LoadedConfig, loadConfig } from "../../src/config/loader";
import { withLocalS3Credentials } from "../../src/local/credentials";
import { syncLake } from "../../src/query/lakeCache";
import { runLocal } from "../../src/query/local";
import { alertFromRow, barFromRow, tickFromRow } from "../../src/sinks/cassandra/rows";
import { createSink } from "../../src/sinks/registry";
import { alertFromLake, barFromLake, tickFromLake } from "../../src/sinks/s3/records";
import { stockpipe, uniqueName } from "../helpers";
import { sinkConformance } from "../sinks/conformance";

const cql = new cassandra.Client({ contactPoints: ["127.0.0.1:9042"], localDataCenter: "datacenter1" });
const keyspaces: string[] = [];
const config = (env: Record<string, string>): LoadedConfig => withLocalS3Credentials(loadConfig({ env }));

afterAll(async () => {
  for (const ks of keyspaces) await cql.execute(`DROP KEYSPACE IF EXISTS ${ks}`).catch(() => {});
  await cql.shutdown();
});

let keyspace = "";
async function newKeyspace(withTables: boolean): Promise<string> {
  const ks = uniqueName("conf").replace(/-/g, "_");
  keyspaces.push(ks);
  if (withTables) {
    const r = await stockpipe(["schema", "cassandra"], { env: { STOCKPIPE_CASSANDRA_KEYSPACE: ks } });
    expect(r.code, r.stderr).toBe(0);
  } else {
    await cql.execute(`CREATE KEYSPACE ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
  }
  return ks;
}

const rows = async (table: string) => (await cql.execute(`SELECT * FROM ${keyspace}.${table}`, [], { fetchSize: 10_000 })).rows;

sinkConformance("Cassandra", {
  async fresh() {
    keyspace = await newKeyspace(true);
    return createSink("cassandra", config({ STOCKPIPE_CASSANDRA_KEYSPACE: keyspace }));
  },
  reopen: () => createSink("cassandra", config({ STOCKPIPE_CASSANDRA_KEYSPACE: keyspace })),
  async stored() {
    return {
      ticks: (await rows("ticks")).map(tickFromRow),
      bars: (await rows("bars")).map(barFromRow),
      alerts: (await rows("alerts")).map(alertFromRow),
    };
  },
  async unreachable() {
    const sink = await createSink("cassandra", config({ STOCKPIPE_CASSANDRA_CONTACT_POINTS: "127.0.0.1:1" }));
    return { sink, retried: [] };
  },
  async misconfigured() {
    // A keyspace without the tables: `schema cassandra` was never run for it.
    return createSink("cassandra", config({ STOCKPIPE_CASSANDRA_KEYSPACE: await newKeyspace(false) }));
  },
});

let prefix = "";
async function lake(table: string): Promise<Record<string, unknown>[]> {
  const { config: c } = config({ STOCKPIPE_S3_PREFIX: prefix });
  const { dir } = await syncLake(c);
  return (await runLocal(`SELECT * FROM ${table}`, dir)).rows;
}

sinkConformance("S3 lake", {
  async fresh() {
    prefix = `test/${uniqueName("conf")}`;
    return createSink("s3", config({ STOCKPIPE_S3_PREFIX: prefix }));
  },
  reopen: () => createSink("s3", config({ STOCKPIPE_S3_PREFIX: prefix })),
  async stored() {
    return {
      ticks: (await lake("ticks")).map(tickFromLake),
      bars: (await lake("bars")).map(barFromLake),
      alerts: (await lake("alerts")).map(alertFromLake),
    };
  },
  async unreachable() {
    const retried: Error[] = [];
    const sink = await createSink("s3", config({ STOCKPIPE_S3_ENDPOINT: "http://127.0.0.1:1", STOCKPIPE_S3_PREFIX: "test/unreachable" }), {
      onRetry: (err) => retried.push(err),
    });
    return { sink, retried };
  },
  async misconfigured() {
    return createSink("s3", config({ STOCKPIPE_S3_BUCKET: uniqueName("no-such-bucket"), STOCKPIPE_S3_PREFIX: "test/misconfigured" }));
  },
});
