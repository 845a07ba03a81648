// npm run bench:verify — `stockpipe verify` at scale: a topic of `count` synthetic ticks (500 symbols, 6
// partitions) consumed into Cassandra and the lake (Parquet), then verified against each store and both, each
// run's wall time, records/s (the topic's records over the run's seconds) and peak RSS (verify's own -f json);
// then four differences are planted — a Cassandra row deleted, a price changed in Cassandra, a lake row written
// twice (a one-row Parquet file beside its own), a tick missing from the lake — and verify must name exactly
// those. Usage: node bench/verify.mjs [count] [symbols]
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DuckDBInstance } from "@duckdb/node-api";
import cassandra from "cassandra-driver";
import { BIN, isMain, stockpipe, writeResult } from "./lib.mjs";

const log = (m) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${m}\n`);

/** Runs verify; its report, exit code, and wall seconds measured here. */
function verify(env, sinks) {
  const started = performance.now();
  // Exit 1 with a report on stdout is the planted run's answer: not a failure here.
  const r = spawnSync(process.execPath, [BIN, "verify", "--sinks", sinks, "-f", "json"], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    maxBuffer: 256 * 1024 * 1024,
  });
  const seconds = (performance.now() - started) / 1000;
  if (r.status !== 0 && r.status !== 1) throw new Error(`verify failed (${r.status}): ${r.stderr}`);
  return { report: JSON.parse(r.stdout), code: r.status, seconds };
}

async function plantInLake(prefix) {
  const creds = JSON.parse(readFileSync(join(homedir(), ".stockpipe", "local", "s3", "credentials.json"), "utf8"));
  const s3 = new S3Client({ endpoint: "http://127.0.0.1:9000", region: "us-east-1", forcePathStyle: true, credentials: creds });
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: "stockpipe", Prefix: `${prefix}/ticks/` }));
  const key = listed.Contents.map((o) => o.Key).find((k) => k.endsWith(".parquet"));
  const local = join(tmpdir(), `bench-verify-${process.pid}.parquet`);
  const one = join(tmpdir(), `bench-verify-${process.pid}-one.parquet`);
  const body = await (await s3.send(new GetObjectCommand({ Bucket: "stockpipe", Key: key }))).Body.transformToByteArray();
  writeFileSync(local, body);
  const db = await DuckDBInstance.create(":memory:");
  const c = await db.connect();
  const row = (await c.runAndReadAll(`SELECT symbol, id FROM read_parquet('${local}') LIMIT 1`)).getRowObjects()[0];
  await c.run(`COPY (SELECT * FROM read_parquet('${local}') LIMIT 1) TO '${one}' (FORMAT parquet)`);
  c.closeSync();
  await s3.send(new PutObjectCommand({ Bucket: "stockpipe", Key: key.replace(/\.parquet$/, "-copy.parquet"), Body: readFileSync(one) }));
  rmSync(local, { force: true });
  rmSync(one, { force: true });
  s3.destroy();
  return { symbol: row.symbol, id: row.id };
}

async function plantInCassandra(keyspace) {
  const client = new cassandra.Client({ contactPoints: ["127.0.0.1:9042"], localDataCenter: "datacenter1", keyspace });
  // Two partitions of different symbols, a row of each.
  const partitions = (await client.execute("SELECT DISTINCT symbol, day, bucket FROM ticks LIMIT 100")).rows;
  const p1 = partitions[0];
  const p2 = partitions.find((p) => p.symbol !== p1.symbol);
  const rowOf = async (p) =>
    (
      await client.execute(
        "SELECT symbol, day, bucket, ts, id FROM ticks WHERE symbol = ? AND day = ? AND bucket = ? LIMIT 1",
        [p.symbol, p.day, p.bucket],
        { prepare: true },
      )
    ).rows[0];
  const first = await rowOf(p1);
  const other = await rowOf(p2);
  const key = (r) => [r.symbol, r.day, r.bucket, r.ts, r.id];
  const where = "symbol = ? AND day = ? AND bucket = ? AND ts = ? AND id = ?";
  await client.execute(`DELETE FROM ticks WHERE ${where}`, key(first), { prepare: true });
  await client.execute(`UPDATE ticks SET price = 0.5 WHERE ${where}`, key(other), { prepare: true });
  await client.shutdown();
  return { deleted: first.symbol, changed: other.symbol };
}

export async function benchVerify({ count = 10_000_000, symbols = 500 } = {}) {
  const name = `bench-verify-${Date.now()}`;
  const keyspace = name.replaceAll("-", "_");
  const prefix = `bench/${name}`;
  const env = { STOCKPIPE_KAFKA_TOPIC: name, STOCKPIPE_CASSANDRA_KEYSPACE: keyspace, STOCKPIPE_S3_PREFIX: prefix };
  try {
    stockpipe(["topic", "create", name, "-p", "6"]);
    log(`producing ${count.toLocaleString("en-US")} ticks`);
    stockpipe(["produce", "--source", "synthetic", "--symbols", String(symbols), "--seed", "5", "--limit", String(count)], env);
    stockpipe(["schema", "cassandra"], env);
    log("consuming into Cassandra");
    stockpipe(["consume", "--sink", "cassandra", "-g", `${name}-c`, "--exit-at-end"], env);
    log("consuming into the lake");
    stockpipe(["consume", "--sink", "s3", "-g", `${name}-s3`, "--exit-at-end"], env);
    const runs = [];
    for (const sinks of ["cassandra", "s3", "cassandra,s3"]) {
      log(`verify --sinks ${sinks}`);
      const r = verify(env, sinks);
      if (r.code !== 0 || r.report.mismatchedDays.length) throw new Error(`verify --sinks ${sinks} found mismatches on an untouched copy`);
      if (r.report.run.records !== count) throw new Error(`verify read ${r.report.run.records} records, expected ${count}`);
      runs.push({
        sinks,
        records: r.report.run.records,
        seconds: Math.round(r.seconds * 10) / 10,
        recordsPerSecond: Math.round(count / r.seconds),
        peakRssMb: r.report.run.peakRssMb,
      });
      log(`  ${runs.at(-1).recordsPerSecond} records/s, peak ${r.report.run.peakRssMb} MB`);
    }
    // One tick more, stored by the Cassandra consumer (resuming its group) but never by the lake's.
    stockpipe(["produce", "--source", "synthetic", "--symbols", "ZZLATE", "--seed", "6", "--limit", "1"], env);
    stockpipe(["consume", "--sink", "cassandra", "-g", `${name}-c`, "--exit-at-end"], env);
    const lake = await plantInLake(prefix);
    const cql = await plantInCassandra(keyspace);
    log("verify with the four planted differences");
    const planted = verify(env, "cassandra,s3");
    const found = planted.report.mismatchedDays.map((d) => ({
      sink: d.sink,
      symbol: d.symbol,
      missing: d.missing,
      duplicated: d.duplicated,
      differing: d.differing,
      extra: d.extra,
    }));
    const expected = [
      { sink: "cassandra", symbol: cql.deleted, missing: 1, duplicated: 0, differing: 0, extra: 0 },
      { sink: "cassandra", symbol: cql.changed, missing: 0, duplicated: 0, differing: 1, extra: 0 },
      { sink: "s3", symbol: lake.symbol, missing: 0, duplicated: 1, differing: 0, extra: 0 },
      { sink: "s3", symbol: "ZZLATE", missing: 1, duplicated: 0, differing: 0, extra: 0 },
    ];
    const order = (a, b) => `${a.sink} ${a.symbol}`.localeCompare(`${b.sink} ${b.symbol}`);
    const exact = planted.code === 1 && JSON.stringify(found.sort(order)) === JSON.stringify(expected.sort(order));
    if (!exact) throw new Error(`verify named ${JSON.stringify(found)}, expected ${JSON.stringify(expected)}`);
    return {
      benchmark: `verify: ${count.toLocaleString("en-US")} ticks (${symbols} symbols, 6 partitions) against Cassandra, the lake and both`,
      count,
      runs,
      planted: {
        sinks: "cassandra,s3",
        seconds: Math.round(planted.seconds * 10) / 10,
        recordsPerSecond: Math.round((count + 1) / planted.seconds),
        peakRssMb: planted.report.run.peakRssMb,
        named: found,
      },
      bar: { peakRssMb: 500, recordsPerSecond: 200_000 },
      memoryWithinBar: runs.every((r) => r.peakRssMb <= 500) && planted.report.run.peakRssMb <= 500,
      rateMeetsBar: runs.every((r) => r.recordsPerSecond >= 200_000),
    };
  } finally {
    for (const args of [
      ["topic", "delete", name, `${name}.dlq`, "--yes"],
      ["query", `DROP KEYSPACE IF EXISTS ${keyspace}`],
      ["lake", "delete", "--prefix", prefix, "--yes"],
    ])
      try {
        stockpipe(args, env);
      } catch (err) {
        log(`clean-up: ${err.message.split("\n")[0]}`);
      }
  }
}

if (isMain(import.meta.url))
  writeResult("verify", () => benchVerify({ count: Number(process.argv[2] ?? 10_000_000), symbols: Number(process.argv[3] ?? 500) }));
