/**
 * Kafka 3.9 beside the default 4.4, on a stack folder and ports of its own (its Kafka only; Cassandra is the
 * shared stack's): produce → analyze → consume → verify on 3.9; then the same folder started with 4.4 (the
 * default) keeps every topic, record and committed offset, and the pipeline goes on from where it stood; 3.9
 * then refuses the folder, naming the way out, and nothing in it is deleted.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import kafkajs from "kafkajs";
import { afterAll, describe, expect, it } from "vitest";
import { type RunResult, stockpipe, uniqueName } from "../helpers";
import { TestStores } from "../stores";

const { Kafka, logLevel } = kafkajs;
const dir = mkdtempSync(join(tmpdir(), "stockpipe-kafka39-"));
const port = 19_600 + 2 * Math.floor(Math.random() * 150);
const stores = new TestStores();
const keyspace = stores.keyspace(`test_k39_${Date.now().toString(36)}`);
const topic = uniqueName("test-k39");
const base = {
  STOCKPIPE_LOCAL_DIR: dir,
  STOCKPIPE_LOCAL_KAFKA_PORT: String(port),
  STOCKPIPE_KAFKA_BROKERS: `127.0.0.1:${port}`,
  STOCKPIPE_CASSANDRA_KEYSPACE: keyspace,
};
const on39 = { ...base, STOCKPIPE_LOCAL_KAFKA_VERSION: "3.9" };
const on44 = base;
const kafkaLog = join(dir, "kafka", "kafka.log");

function run(args: string[], env: Record<string, string>, timeoutMs = 180_000): Promise<RunResult> {
  return stockpipe(args, { env, timeoutMs });
}

/** Seeded simulated ticks of three symbols into the topic, from `start`. */
async function produce(limit: number, seed: number, start: string, env: Record<string, string>): Promise<void> {
  const args = ["produce", "--source", "synthetic", "--symbols", "AAA,BBB,CCC", "--limit", String(limit), "--seed", String(seed)];
  const r = await run([...args, "--start", start, "--topic", topic], env);
  expect(r.code, r.stderr).toBe(0);
}

const kafka = new Kafka({ clientId: "test-k39", brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING });

/** Every record of a topic as partition/offset → key and value, and every group's committed offsets on it. */
async function snapshot(t: string, groups: string[]) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((x) => !x.startsWith("__")).sort();
    const offsets: Record<string, string[]> = {};
    for (const g of groups) {
      // Right after a start the group coordinator may still be loading __consumer_offsets: ask again.
      let o: Awaited<ReturnType<typeof admin.fetchOffsets>>[number] | undefined;
      for (let attempt = 0; !o; attempt++) {
        try {
          [o] = await admin.fetchOffsets({ groupId: g, topics: [t] });
        } catch (err) {
          if (attempt > 30 || !String(err).includes("loading")) throw err;
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
      offsets[g] = o!.partitions.sort((a, b) => a.partition - b.partition).map((p) => `${p.partition}:${p.offset}`);
    }
    const consumer = kafka.consumer({ groupId: uniqueName("test-k39-read") });
    const records = new Map<string, string>();
    const ends = await admin.fetchTopicOffsets(t);
    const total = ends.reduce((n, p) => n + Number(p.high), 0);
    await consumer.connect();
    await consumer.subscribe({ topic: t, fromBeginning: true });
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          records.set(`${partition}/${message.offset}`, `${message.key?.toString()} ${message.value?.toString()}`);
          if (records.size >= total) resolve();
        },
      });
    });
    await consumer.disconnect();
    return { topics, offsets, records, total };
  } finally {
    await admin.disconnect();
  }
}

afterAll(async () => {
  await run(["local", "down", "kafka", "--purge"], on44);
  await stores.cleanUp();
  rmSync(dir, { recursive: true, force: true });
}, 120_000);

describe("Kafka 3.9 compatibility and the in-place upgrade to 4.4", () => {
  let before: Awaited<ReturnType<typeof snapshot>>;

  it("runs produce → analyze → consume → verify on Kafka 3.9", async () => {
    const up = await run(["local", "up", "kafka", "-f", "json"], on39, 240_000);
    expect(up.code, up.stderr).toBe(0);
    expect(readFileSync(kafkaLog, "utf8")).toContain("Kafka version: 3.9.2");
    expect((await run(["topic", "create", topic, "-p", "3"], on39)).code).toBe(0);
    await produce(3000, 7, "2026-03-02T14:30:00Z", on39);
    // Three seconds of ticks at 14:30, then a few at 14:35 that move the watermark past the 14:30 bar's close.
    await produce(30, 9, "2026-03-02T14:35:00Z", on39);
    const analyze = await run(["analyze", "--topic", topic, "--intervals", "1m", "--exit-at-end", "-f", "json"], on39);
    expect(analyze.code, analyze.stderr).toBe(0);
    expect(JSON.parse(analyze.stdout)).toMatchObject({ ticks: 3030 });
    expect((await run(["schema", "cassandra"], on39)).code).toBe(0);
    for (const t of [topic, `${topic}.bars.1m`]) {
      const consume = await run(["consume", "--sink", "cassandra", "--topic", t, "-g", `${t}-g`, "--exit-at-end"], on39);
      expect(consume.code, consume.stderr).toBe(0);
      const verify = await run(["verify", "--topic", t, "--sinks", "cassandra"], on39);
      expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    }
    before = await snapshot(topic, [`${topic}-g`]);
    expect(before.total).toBe(3030);
    expect(before.topics).toEqual(expect.arrayContaining([topic, `${topic}.bars.1m`, `${topic}.dlq`]));
  }, 600_000);

  it("4.4 upgrades the 3.9 folder in place: topics, records and committed offsets kept, the pipeline goes on", async () => {
    expect((await run(["local", "down", "kafka"], on39)).code).toBe(0);
    const up = await run(["local", "up", "kafka"], on44, 240_000);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toContain("upgrading in place: the data was written by Kafka 3.9");
    expect(readFileSync(kafkaLog, "utf8")).toContain("Kafka version: 4.4.0");
    const after = await snapshot(topic, [`${topic}-g`]);
    expect(after.topics).toEqual(before.topics);
    expect(after.offsets).toEqual(before.offsets);
    expect([...after.records.entries()].sort()).toEqual([...before.records.entries()].sort());
    // The group resumes at its offsets: only the new ticks are written, and the store still equals the topic.
    await produce(600, 8, "2026-03-02T16:00:00Z", on44);
    const consume = await run(
      ["consume", "--sink", "cassandra", "--topic", topic, "-g", `${topic}-g`, "--exit-at-end", "-f", "json"],
      on44,
    );
    expect(consume.code, consume.stderr).toBe(0);
    expect(JSON.parse(consume.stdout)).toMatchObject({ written: 600 });
    const verify = await run(["verify", "--topic", topic, "--sinks", "cassandra"], on44);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  }, 600_000);

  it("3.9 refuses a folder 4.4 has run, says how to go on, and deletes nothing", async () => {
    expect((await run(["local", "down", "kafka"], on44)).code).toBe(0);
    const up = await run(["local", "up", "kafka"], on39, 120_000);
    expect(up.code).not.toBe(0);
    expect(up.stderr).toContain("was written by Apache Kafka 4.4");
    expect(up.stderr).toContain("stockpipe local down --purge kafka");
    expect(existsSync(join(dir, "kafka", "data", "meta.properties"))).toBe(true);
    expect(existsSync(join(dir, "kafka", "data", `${topic}-0`))).toBe(true);
  }, 180_000);
});
