/**
 * The Cassandra path against the real local Kafka and Cassandra: schema, consume, DLQ, crash and outage
 * recovery, queries. Each run uses its own keyspace and topics.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import cassandra from "cassandra-driver";
import kafkajs from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tickId } from "../../src/model/tick";
import { BIN, ROOT, stockpipe, uniqueName } from "../helpers";

const { Kafka, logLevel } = kafkajs;
const HSI = join(ROOT, "data", "indexProcessed-HSI.csv");
const keyspace = `test_${Date.now().toString(36)}`;
const kafka = new Kafka({ brokers: ["127.0.0.1:9092"], logLevel: logLevel.NOTHING });
const cql = new cassandra.Client({ contactPoints: ["127.0.0.1:9042"], localDataCenter: "datacenter1" });
const topics: string[] = [];

function envFor(topic: string, extra: Record<string, string> = {}) {
  return { STOCKPIPE_CASSANDRA_KEYSPACE: keyspace, STOCKPIPE_KAFKA_TOPIC: topic, STOCKPIPE_MARKET_TIME_ZONE: "America/New_York", ...extra };
}

async function newTopic(partitions = 3): Promise<string> {
  const name = uniqueName("test-cass");
  topics.push(name, `${name}.dlq`);
  expect((await stockpipe(["topic", "create", name, "-p", String(partitions)])).code).toBe(0);
  return name;
}

const keyspaces = [keyspace];
/** A keyspace of its own, set up by `stockpipe schema cassandra`. */
async function newKeyspace(): Promise<string> {
  const ks = `${keyspace}_${keyspaces.length}`;
  keyspaces.push(ks);
  const r = await stockpipe(["schema", "cassandra"], { env: { STOCKPIPE_CASSANDRA_KEYSPACE: ks } });
  expect(r.code, r.stderr).toBe(0);
  return ks;
}

async function rowsOf(where: string, ks = keyspace): Promise<cassandra.types.Row[]> {
  const out: cassandra.types.Row[] = [];
  await new Promise<void>((resolve, reject) =>
    cql.eachRow(
      `SELECT * FROM ${ks}.ticks WHERE ${where} ALLOW FILTERING`,
      [],
      { fetchSize: 5000, autoPage: true },
      (_n, row) => out.push(row),
      (err) => (err ? reject(err) : resolve()),
    ),
  );
  return out;
}

beforeAll(async () => {
  await cql.connect();
  const r = await stockpipe(["schema", "cassandra"], { env: envFor("unused") });
  expect(r.code, r.stderr).toBe(0);
});

afterAll(async () => {
  for (const ks of keyspaces) await cql.execute(`DROP KEYSPACE IF EXISTS ${ks}`).catch(() => {});
  await cql.shutdown();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: topics.filter(Boolean) }).catch(() => {});
  await admin.disconnect();
});

describe("schema cassandra", () => {
  it("is harmless to run twice and prints CQL with --dry-run", async () => {
    expect((await stockpipe(["schema", "cassandra"], { env: envFor("unused") })).code).toBe(0);
    const dry = await stockpipe(["schema", "cassandra", "--dry-run"], { env: envFor("unused") });
    expect(dry.stdout).toContain(`CREATE TABLE IF NOT EXISTS ${keyspace}.ticks (`);
    expect(dry.stdout).toContain("PRIMARY KEY ((symbol, day, bucket), ts, id)");
    expect(dry.stdout).toContain("'class': 'TimeWindowCompactionStrategy'");
    expect(dry.stdout).not.toMatch(/\bfloat\b/);
  });

  it("says exactly what differs in an existing table, and drops nothing", async () => {
    const other = `${keyspace}_old`;
    await cql.execute(`CREATE KEYSPACE ${other} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
    await cql.execute(`CREATE TABLE ${other}.ticks (id int PRIMARY KEY, symbol text, price float)`);
    await cql.execute(`INSERT INTO ${other}.ticks (id, symbol, price) VALUES (1, 'AAPL', 1.5)`);
    const r = await stockpipe(["schema", "cassandra"], { env: { STOCKPIPE_CASSANDRA_KEYSPACE: other } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`existing tables in keyspace ${other} do not match`);
    expect(r.stderr).toContain("ticks.price is float, expected double");
    expect(r.stderr).toContain("ticks.id is int, expected uuid");
    expect(r.stderr).toContain("ticks.day is missing (expected date)");
    expect(r.stderr).toContain("ticks is partitioned by (id), expected (symbol, day, bucket)");
    expect((await cql.execute(`SELECT count(*) FROM ${other}.ticks`)).first().get(0).toNumber()).toBe(1);
    await cql.execute(`DROP KEYSPACE ${other}`);
  });
});

describe("consume --sink cassandra", () => {
  it("stores the shared HSI file: every row equal to the file, field by field", async () => {
    const topic = await newTopic();
    expect((await stockpipe(["produce", "--file", HSI, "--topic", topic])).code).toBe(0);
    const group = uniqueName("g");
    const before = JSON.parse((await stockpipe(["topic", "lag", topic, "-g", group, "-f", "json"])).stdout);
    const r = await stockpipe(["consume", "--sink", "cassandra", "-g", group, "--exit-at-end", "-f", "json"], { env: envFor(topic) });
    expect(r.code, r.stderr).toBe(0);
    const lines = readFileSync(HSI, "utf8").split("\n").slice(1, -1);
    expect(JSON.parse(r.stdout)).toMatchObject({ consumed: lines.length, written: lines.length, dlq: 0, stoppedBy: "caught up" });
    // topic lag: everything was pending before, nothing after.
    expect(before.reduce((n: number, p: { lag: number }) => n + p.lag, 0)).toBe(lines.length);
    const after = JSON.parse((await stockpipe(["topic", "lag", topic, "-g", group, "-f", "json"])).stdout);
    for (const p of after) {
      expect(p.lag).toBe(0);
      // Partitions that never had a message have nothing to commit.
      if (p.latest > 0) expect(p.committed).toBe(p.latest);
    }

    const rows = await rowsOf("symbol = 'HSI'");
    expect(rows).toHaveLength(lines.length);
    const byDay = new Map(rows.map((row) => [row.get("day").toString(), row]));
    for (const line of lines) {
      const [index, date, open, high, low, close, adj, volume] = line.split(",");
      const row = byDay.get(date!)!;
      expect(row, date).toBeDefined();
      expect(row.get("symbol")).toBe(index);
      expect(row.get("price")).toBe(Number(close));
      expect(row.get("open")).toBe(Number(open));
      expect(row.get("high")).toBe(Number(high));
      expect(row.get("low")).toBe(Number(low));
      expect(row.get("close")).toBe(Number(close));
      expect(row.get("adj_close")).toBe(Number(adj));
      expect(row.get("volume").toString()).toBe(String(Number(volume)));
      expect(row.get("bucket")).toBe(0);
      expect(row.get("source")).toBe("csv:indexProcessed-HSI.csv");
    }
    // The query command prints the latest tick: the file's last valid row.
    const q = await stockpipe(["query", `SELECT symbol, ts, price, volume FROM latest_ticks WHERE symbol = 'HSI'`, "-f", "json"], {
      env: envFor(topic),
    });
    expect(q.code, q.stderr).toBe(0);
    const last = lines[lines.length - 1]!.split(",");
    expect(JSON.parse(q.stdout)).toEqual([
      { symbol: "HSI", ts: "2010-01-08T05:00:00.000Z", price: Number(last[5]), volume: Number(last[7]) },
    ]);
    expect(q.stderr).toMatch(/1 row in \d+ ms/);
  });

  it("stores a tick without an id (optional in v1) under the id derived from its identity", async () => {
    const topic = await newTopic(1);
    const tick = { symbol: "NOID", ts: "2024-03-15T14:00:00.000Z", price: 12.5, source: "feed", seq: 7 };
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: "NOID", value: JSON.stringify(tick) }], acks: -1 });
    await producer.disconnect();
    const r = await stockpipe(["consume", "--sink", "cassandra", "-g", uniqueName("g"), "--exit-at-end", "-f", "json"], {
      env: envFor(topic),
    });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ written: 1, dlq: 0 });
    const rows = await rowsOf("symbol = 'NOID'");
    expect(rows.map((row) => [row.get("id").toString(), row.get("price"), Number(row.get("seq"))])).toEqual([[tickId(tick), 12.5, 7]]);
  });

  it("keeps each symbol's newest tick in latest_ticks when older ticks arrive later, in later batches", async () => {
    const topic = await newTopic(2);
    const ks = await newKeyspace();
    const symbols = ["LATE1", "LATE2", "LATE3", "LATE4"];
    // Per symbol 12 ticks a minute apart, sent in an order that is not their event order; sent in three rounds,
    // each consumed before the next, so the newest tick of a symbol is stored before older ones arrive.
    const at = (i: number) => new Date(Date.UTC(2024, 2, 15, 14, i)).toISOString();
    const order = [5, 11, 0, 7, 3, 9, 1, 10, 6, 2, 8, 4];
    const ticks = symbols.flatMap((symbol, s) => order.map((i) => ({ symbol, ts: at(i), price: 100 * (s + 1) + i, seq: i })));
    const producer = kafka.producer();
    await producer.connect();
    for (let round = 0; round < 3; round++) {
      const part = ticks.filter((_, k) => Math.floor((k % order.length) / 4) === round);
      await producer.send({ topic, messages: part.map((t) => ({ key: t.symbol, value: JSON.stringify(t) })), acks: -1 });
      const r = await stockpipe(["consume", "--sink", "cassandra", "-g", `${topic}-g`, "--exit-at-end", "-f", "json"], {
        env: { ...envFor(topic), STOCKPIPE_CASSANDRA_KEYSPACE: ks },
      });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ written: part.length, dlq: 0 });
    }
    await producer.disconnect();
    // Expected, computed here: for each symbol the tick with the largest ts.
    const newest = new Map<string, (typeof ticks)[number]>();
    for (const t of ticks) if (!newest.has(t.symbol) || newest.get(t.symbol)!.ts < t.ts) newest.set(t.symbol, t);
    const latest = await cql.execute(`SELECT symbol, ts, price, seq FROM ${ks}.latest_ticks WHERE symbol IN ?`, [symbols], {
      prepare: true,
    });
    expect(
      latest.rows
        .map((row) => ({
          symbol: row.get("symbol"),
          ts: row.get("ts").toISOString(),
          price: row.get("price"),
          seq: Number(row.get("seq")),
        }))
        .sort((a, b) => a.symbol.localeCompare(b.symbol)),
    ).toEqual(symbols.map((s) => newest.get(s)));
    // And every tick is in ticks, with its price.
    const stored = await rowsOf(`symbol IN ('${symbols.join("','")}')`, ks);
    expect(stored.map((row) => `${row.get("symbol")} ${row.get("ts").toISOString()} ${row.get("price")}`).sort()).toEqual(
      ticks.map((t) => `${t.symbol} ${t.ts} ${t.price}`).sort(),
    );
  });

  it("sends eleven kinds of malformed messages to the DLQ with their reasons, and stores the valid ones", async () => {
    const topic = await newTopic(1);
    const good = (i: number) =>
      JSON.stringify({
        symbol: "GOOD",
        ts: new Date(Date.UTC(2024, 2, 15, 14, 0, i)).toISOString(),
        price: 100 + i,
        seq: i,
        id: `00000000-0000-5000-8000-${String(i).padStart(12, "0")}`,
      });
    const bad: [string, { value: string | null; headers?: Record<string, string> }][] = [
      ["not JSON", { value: "{oops" }],
      ["null value", { value: null }],
      ["not an object", { value: "[1,2,3]" }],
      ["unknown field", { value: JSON.stringify({ symbol: "X", ts: "2024-03-15T14:00:00.000Z", price: 1, colour: "red" }) }],
      ["missing symbol", { value: JSON.stringify({ ts: "2024-03-15T14:00:00.000Z", price: 1 }) }],
      ["price not > 0", { value: JSON.stringify({ symbol: "X", ts: "2024-03-15T14:00:00.000Z", price: -5 }) }],
      ["invalid ts", { value: JSON.stringify({ symbol: "X", ts: "yesterday", price: 1 }) }],
      ["volume too precise", { value: JSON.stringify({ symbol: "X", ts: "2024-03-15T14:00:00.000Z", price: 1, volume: 1.123456789 }) }],
      ["wrong schema", { value: good(99), headers: { schema: "tick.v0" } }],
      ["oversized", { value: JSON.stringify({ symbol: "X", ts: "2024-03-15T14:00:00.000Z", price: 1, source: "x".repeat(70_000) }) }],
      // Once stalled the partition for good: the sink could not turn it into a uuid and retried forever.
      ["invalid id", { value: JSON.stringify({ symbol: "X", ts: "2024-03-15T14:00:00.000Z", price: 1, id: "nope" }) }],
    ];
    const producer = kafka.producer();
    await producer.connect();
    const messages = [];
    for (let i = 0; i < 20; i++) {
      messages.push({ key: "GOOD", value: good(i), headers: { schema: "tick.v1" } });
      const b = bad[i % bad.length]!;
      if (i < bad.length) messages.push({ key: "BAD", value: b[1].value, headers: b[1].headers });
    }
    await producer.send({ topic, messages, acks: -1 });
    await producer.disconnect();

    const r = await stockpipe(["consume", "--sink", "cassandra", "-g", uniqueName("g"), "--exit-at-end", "-f", "json"], {
      env: envFor(topic),
    });
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ consumed: 20 + bad.length, written: 20, dlq: bad.length });
    expect(Object.keys(summary.dlqByReason).sort()).toEqual(bad.map(([reason]) => reason).sort());

    const stored = await rowsOf("symbol = 'GOOD'");
    expect(stored.map((row) => row.get("price")).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => 100 + i));

    const dlq: { reason: string; offset: string; value: string | null; topic: string }[] = [];
    const consumer = kafka.consumer({ groupId: uniqueName("dlq-reader") });
    await consumer.connect();
    await consumer.subscribe({ topic: `${topic}.dlq`, fromBeginning: true });
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          dlq.push({
            reason: String(message.headers!["dlq-reason"]),
            offset: String(message.headers!["dlq-offset"]),
            topic: String(message.headers!["dlq-topic"]),
            value: message.value ? message.value.toString() : null,
          });
          if (dlq.length === bad.length) resolve();
        },
      });
    });
    await consumer.disconnect();
    for (const [reason, m] of bad) {
      const letter = dlq.find((d) => d.reason === reason)!;
      expect(letter, reason).toBeDefined();
      expect(letter.value).toBe(m.value);
      expect(letter.topic).toBe(topic);
    }
  });

  it("reads a transactional topic to its end: aborted records are skipped, and a topic ending in markers is caught up", async () => {
    const topic = await newTopic(1);
    const producer = kafka.producer({ transactionalId: `${topic}-tx`, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const tick = (i: number) => {
      const t = { symbol: "TXN", ts: new Date(Date.UTC(2024, 0, 2, 15, 0, i)).toISOString(), price: 10 + i };
      return { key: "TXN", value: JSON.stringify({ ...t, id: tickId(t) }), headers: { schema: "tick.v1" } };
    };
    const send = async (from: number, commit: boolean) => {
      const tx = await producer.transaction();
      await tx.send({ topic, acks: -1, messages: [0, 1, 2].map((i) => tick(from + i)) });
      await (commit ? tx.commit() : tx.abort());
    };
    await send(0, true);
    const group = uniqueName("txn");
    const consume = () =>
      stockpipe(["consume", "--sink", "cassandra", "-g", group, "--exit-at-end", "-f", "json"], { env: envFor(topic), timeoutMs: 60_000 });
    const first = await consume();
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).written).toBe(3);
    // What follows the group's position now is an aborted transaction and its marker only: nothing to store.
    await send(3, false);
    await send(6, false);
    const second = await consume();
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout).written).toBe(0);
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    const [end] = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    expect(committed!.partitions[0]!.offset).toBe(end!.high);
    expect((await rowsOf("symbol = 'TXN'")).map((r) => r.get("price")).sort()).toEqual([10, 11, 12]);
  });

  it("after SIGKILL mid-stream and a restart holds exactly the produced ticks: none missing, none twice", async () => {
    const topic = await newTopic(3);
    const ks = await newKeyspace();
    const total = 60_000;
    expect(
      (await stockpipe(["produce", "--source", "synthetic", "--symbols", "30", "--seed", "11", "--limit", String(total), "--topic", topic]))
        .code,
    ).toBe(0);
    const group = uniqueName("g");
    const env = { ...process.env, ...envFor(topic, { STOCKPIPE_CONSUMER_BATCH_SIZE: "500", STOCKPIPE_CASSANDRA_KEYSPACE: ks }) };
    const child = spawn(process.execPath, [BIN, "consume", "--sink", "cassandra", "-g", group], {
      env,
      stdio: ["ignore", "ignore", "pipe"],
    });
    // Kill it once some, but not all, rows are in.
    for (let i = 0; i < 600; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const n = (await cql.execute(`SELECT count(*) FROM ${ks}.ticks`)).first().get(0).toNumber();
      if (n > 5000) break;
    }
    child.kill("SIGKILL");
    await new Promise((r) => child.on("close", r));
    const partial = (await cql.execute(`SELECT count(*) FROM ${ks}.ticks`)).first().get(0).toNumber();
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(total);

    const r = await stockpipe(["consume", "--sink", "cassandra", "-g", group, "--exit-at-end", "-f", "json"], {
      env: envFor(topic, { STOCKPIPE_CASSANDRA_KEYSPACE: ks }),
    });
    expect(r.code, r.stderr).toBe(0);
    const rows = await rowsOf("source = 'synthetic'", ks);
    const seqs = rows.map((row) => row.get("seq").toNumber()).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i));
    // Each stored row is the produced tick: the dry run of the same seed gives the same ids and prices.
    const dry = await stockpipe(["produce", "--source", "synthetic", "--symbols", "30", "--seed", "11", "--limit", "200", "--dry-run"]);
    const bySeq = new Map(rows.map((row) => [row.get("seq").toNumber(), row]));
    for (const line of dry.stdout.trim().split("\n")) {
      const t = JSON.parse(line);
      const row = bySeq.get(t.seq)!;
      expect([
        row.get("symbol"),
        row.get("ts").toISOString(),
        row.get("price"),
        row.get("bid"),
        row.get("ask"),
        row.get("volume").toNumber(),
        row.get("id").toString(),
      ]).toEqual([t.symbol, t.ts, t.price, t.bid, t.ask, t.volume, t.id]);
    }
  });

  it("survives Cassandra going away mid-run: it waits, resumes and loses nothing", async () => {
    const topic = await newTopic(2);
    const ks = await newKeyspace();
    const total = 30_000;
    expect(
      (await stockpipe(["produce", "--source", "synthetic", "--symbols", "10", "--seed", "12", "--limit", String(total), "--topic", topic]))
        .code,
    ).toBe(0);
    const env = {
      ...process.env,
      ...envFor(topic, {
        STOCKPIPE_CASSANDRA_KEYSPACE: ks,
        STOCKPIPE_CONSUMER_BATCH_SIZE: "100",
        STOCKPIPE_CONSUMER_PARTITIONS_CONCURRENTLY: "1",
      }),
    };
    const child = spawn(process.execPath, [BIN, "consume", "--sink", "cassandra", "-g", uniqueName("g"), "--exit-at-end", "-f", "json"], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const done = new Promise<number>((r) => child.on("close", (c) => r(c ?? -1)));
    // Stop Cassandra once the consumer is writing.
    for (let i = 0; i < 300; i++) {
      await new Promise((r) => setTimeout(r, 100));
      if ((await cql.execute(`SELECT count(*) FROM ${ks}.ticks`)).first().get(0).toNumber() > 0) break;
    }
    const t0 = Date.now();
    expect((await stockpipe(["local", "down", "cassandra"])).code).toBe(0);
    process.stderr.write(`[outage test] Cassandra stopped after ${Date.now() - t0} ms\n`);
    await new Promise((r) => setTimeout(r, 5000));
    const up = await stockpipe(["local", "up", "cassandra"], { timeoutMs: 300_000 });
    expect(up.code, up.stderr).toBe(0);
    process.stderr.write(`[outage test] Cassandra back after ${Date.now() - t0} ms\n`);
    const code = await done;
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/cassandra write failed .*retry \d+ in \d+ms, nothing committed past it/);
    expect(JSON.parse(stdout).written).toBeGreaterThanOrEqual(total);
    // The test's own driver reconnects on its own schedule after the outage.
    for (let i = 0; i < 60; i++) {
      if (
        await cql.execute("SELECT release_version FROM system.local").then(
          () => true,
          () => false,
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const seqs = (await rowsOf("source = 'synthetic'", ks)).map((row) => row.get("seq").toNumber()).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i));
  }, 360_000);
});

describe("query --engine cql", () => {
  it("prints rows as CSV and JSON with exact values", async () => {
    const csv = await stockpipe(["query", "SELECT symbol, price FROM latest_ticks WHERE symbol = 'HSI'", "-f", "csv"], {
      env: envFor("unused"),
    });
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout).toBe("symbol,price\nHSI,22296.75\n");
  });

  it("verify checks a topic's own symbol-days, and counts apart the rows other topics wrote into the same keyspace", async () => {
    const ks = await newKeyspace();
    const [mine, other] = [await newTopic(1), await newTopic(1)];
    const synthetic = (topic: string, symbols: string) => [
      "produce",
      "--source",
      "synthetic",
      "--symbols",
      symbols,
      "--seed",
      "5",
      "--limit",
      "200",
      "--topic",
      topic,
    ];
    expect((await stockpipe(synthetic(mine, "AAPL,MSFT"))).code).toBe(0);
    expect((await stockpipe(synthetic(other, "HYC,IIBH"))).code).toBe(0);
    for (const topic of [mine, other]) {
      const c = await stockpipe(["consume", "--sink", "cassandra", "-g", uniqueName("g"), "--exit-at-end"], {
        env: envFor(topic, { STOCKPIPE_CASSANDRA_KEYSPACE: ks }),
      });
      expect(c.code, c.stderr).toBe(0);
    }
    const v = await stockpipe(["verify", "--sinks", "cassandra", "-f", "json"], {
      env: envFor(mine, { STOCKPIPE_CASSANDRA_KEYSPACE: ks }),
    });
    expect(v.code, v.stdout + v.stderr).toBe(0);
    const report = JSON.parse(v.stdout);
    expect(report.symbols.map((s: { symbol: string; kafka: number; stored: number }) => [s.symbol, s.kafka === s.stored])).toEqual([
      ["AAPL", true],
      ["MSFT", true],
    ]);
    expect(report.outside).toEqual([{ kind: "tick", sink: "cassandra", symbols: ["HYC", "IIBH"], days: 2, rows: 200 }]);
    expect(v.stderr).toContain(`cassandra also holds 200 tick rows on 2 symbol-days ${mine} does not carry (2 symbols: HYC, IIBH)`);
  });

  it("says which command creates a keyspace or table that does not exist yet", async () => {
    const env = envFor(await newTopic(), { STOCKPIPE_CASSANDRA_KEYSPACE: "no_such_keyspace_yet" });
    const r = await stockpipe(["consume", "--sink", "cassandra", "--exit-at-end"], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "error: Cassandra at 127.0.0.1:9042: keyspace no_such_keyspace_yet does not exist — create the keyspace and its tables with `stockpipe schema cassandra` (cassandra.keyspace from env STOCKPIPE_CASSANDRA_KEYSPACE)",
    );
  });

  it("turns server errors into one line with Cassandra's message", async () => {
    const syntax = await stockpipe(["query", "SELEKT * FROM ticks"], { env: envFor("unused") });
    expect(syntax.code).toBe(1);
    expect(syntax.stderr).toMatch(/^error: Cassandra: line 1:0 no viable alternative at input 'SELEKT'/m);
    const unknown = await stockpipe(["query", "SELECT * FROM no_such_table"], { env: envFor("unused") });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/error: Cassandra: .*no_such_table/i);
    const filtering = await stockpipe(["query", "SELECT * FROM ticks WHERE price > 5"], { env: envFor("unused") });
    expect(filtering.code).toBe(1);
    expect(filtering.stderr).toMatch(/error: Cassandra: .*ALLOW FILTERING/);
    expect(unknown.stderr).toContain("error: Cassandra: table no_such_table does not exist");
  });
});
