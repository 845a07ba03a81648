/**
 * Fault tests (npm run test:faults), on the real local stack: consumers killed repeatedly, the broker and
 * Cassandra stopped for 20 s, a flood of malformed messages. Each ends with `stockpipe verify` (or an exact
 * count) showing the sinks identical to the topic.
 */
import kafkajs from "kafkajs";
import { describe, expect, it } from "vitest";
import { stockpipe, uniqueName } from "../helpers";
import { sleep, start } from "./processes";

const { Kafka, logLevel } = kafkajs;

async function setup(sink: "cassandra" | "s3" | "both"): Promise<Record<string, string>> {
  const name = uniqueName("fault");
  const env = { STOCKPIPE_KAFKA_TOPIC: name, STOCKPIPE_CASSANDRA_KEYSPACE: name.replace(/-/g, "_"), STOCKPIPE_S3_PREFIX: `faults/${name}` };
  expect((await stockpipe(["topic", "create", name, "-p", "6"], { env })).code).toBe(0);
  if (sink !== "s3") expect((await stockpipe(["schema", "cassandra"], { env })).code).toBe(0);
  return env;
}

async function killRepeatedly(sink: "cassandra" | "s3") {
  const env = await setup(sink);
  const total = 200_000;
  const producer = start(
    ["produce", "--source", "synthetic", "--symbols", "100", "--seed", "3", "--rate", "20000", "--limit", String(total)],
    env,
  );
  const group = uniqueName("g");
  for (let kill = 1; kill <= 5; kill++) {
    const consumer = start(["consume", "--sink", sink, "-g", group], env);
    await sleep(4000 + Math.random() * 4000);
    consumer.child.kill("SIGKILL");
    await consumer.done;
  }
  expect(await producer.done, producer.err()).toBe(0);
  const last = await stockpipe(["consume", "--sink", sink, "-g", group, "--exit-at-end", "-f", "json"], { env, timeoutMs: 600_000 });
  expect(last.code, last.stderr).toBe(0);
  const v = await stockpipe(["verify", "--sinks", sink, "-f", "json"], { env, timeoutMs: 600_000 });
  expect(v.code, v.stderr).toBe(0);
  const report = JSON.parse(v.stdout);
  expect(report.symbols.reduce((n: number, s: { stored: number }) => n + s.stored, 0)).toBe(total);
}

describe("fault tests", () => {
  it("(a) Cassandra consumer SIGKILLed five times while 200,000 ticks stream: verify finds the sink identical", async () => {
    await killRepeatedly("cassandra");
  }, 1_200_000);

  it("(b) S3 consumer SIGKILLed five times while 200,000 ticks stream: verify finds the lake identical", async () => {
    await killRepeatedly("s3");
  }, 1_200_000);

  it("(c) Kafka stopped for 20 s while producing: the producer waits, retries, and nothing is lost", async () => {
    const env = await setup("cassandra");
    const total = 60_000;
    const producer = start(
      ["produce", "--source", "synthetic", "--symbols", "20", "--seed", "4", "--rate", "2000", "--limit", String(total), "-f", "json"],
      env,
    );
    await sleep(5000);
    expect((await stockpipe(["local", "down", "kafka"])).code).toBe(0);
    await sleep(20_000);
    expect((await stockpipe(["local", "up", "kafka"], { timeoutMs: 300_000 })).code).toBe(0);
    expect(await producer.done, producer.err()).toBe(0);
    expect(producer.err()).toMatch(/Kafka did not take a batch/);
    expect(JSON.parse(producer.out())).toMatchObject({ sent: total });
    expect(
      (await stockpipe(["consume", "--sink", "cassandra", "-g", uniqueName("g"), "--exit-at-end"], { env, timeoutMs: 600_000 })).code,
    ).toBe(0);
    const v = await stockpipe(["verify", "--sinks", "cassandra", "-f", "json"], { env, timeoutMs: 600_000 });
    expect(v.code, v.stderr).toBe(0);
    const report = JSON.parse(v.stdout);
    // Every tick stored once. The topic may hold a few twice: a batch the broker wrote just before it stopped is
    // sent again (without --idempotent), and each sink keeps its id once.
    expect(report.symbols.reduce((n: number, s: { stored: number }) => n + s.stored, 0)).toBe(total);
    expect(report.symbols.reduce((n: number, s: { kafka: number }) => n + s.kafka, 0)).toBeGreaterThanOrEqual(total);
  }, 900_000);

  it("(d) Cassandra stopped for 20 s while consuming: the consumer pauses, resumes, and nothing is lost", async () => {
    const env = await setup("cassandra");
    const total = 120_000;
    // Ticks keep arriving through the outage (3,000/s for 40 s), so the consumer meets it mid-stream however fast it is.
    const producer = start(
      ["produce", "--source", "synthetic", "--symbols", "50", "--seed", "5", "--rate", "3000", "--limit", String(total)],
      env,
    );
    const group = uniqueName("g");
    const consumer = start(["consume", "--sink", "cassandra", "-g", group, "--batch-size", "500", "-f", "json"], env);
    await sleep(6000);
    expect((await stockpipe(["local", "down", "cassandra"])).code).toBe(0);
    await sleep(20_000);
    expect((await stockpipe(["local", "up", "cassandra"], { timeoutMs: 300_000 })).code).toBe(0);
    expect(await producer.done, producer.err()).toBe(0);
    // Caught up: every partition committed to its end. Then Ctrl-C, which ends a streaming consumer with 130.
    const deadline = Date.now() + 300_000;
    for (;;) {
      const lag = JSON.parse((await stockpipe(["topic", "lag", "-g", group, "-f", "json"], { env })).stdout) as {
        committed: number | null;
        lag: number;
      }[];
      if (lag.every((p) => p.committed !== null && p.lag === 0)) break;
      expect(Date.now(), "the consumer did not catch up within 5 minutes").toBeLessThan(deadline);
      await sleep(1000);
    }
    consumer.child.kill("SIGINT");
    expect(await consumer.done, consumer.err()).toBe(130);
    expect(consumer.err()).toMatch(/cassandra write failed/);
    expect(JSON.parse(consumer.out())).toMatchObject({ written: total, dlq: 0 });
    const v = await stockpipe(["verify", "--sinks", "cassandra", "-f", "json"], { env, timeoutMs: 600_000 });
    expect(v.code, v.stderr).toBe(0);
    expect(JSON.parse(v.stdout).symbols.reduce((n: number, s: { stored: number }) => n + s.stored, 0)).toBe(total);
  }, 900_000);

  it("(e) 1,000 malformed messages of ten kinds among valid traffic: every one in the DLQ, every valid tick stored", async () => {
    const env = await setup("both");
    const topic = env.STOCKPIPE_KAFKA_TOPIC!;
    const kinds: [string, (i: number) => { value: string | null; headers?: Record<string, string> }][] = [
      ["not JSON", (i) => ({ value: `{broken ${i}` })],
      ["null value", () => ({ value: null })],
      ["not an object", (i) => ({ value: `[${i}]` })],
      ["unknown field", (i) => ({ value: JSON.stringify({ symbol: "X", ts: "2024-03-15T14:00:00.000Z", price: 1, extra: i }) })],
      ["missing symbol", (i) => ({ value: JSON.stringify({ ts: "2024-03-15T14:00:00.000Z", price: i + 1 }) })],
      ["price not > 0", (i) => ({ value: JSON.stringify({ symbol: "X", ts: "2024-03-15T14:00:00.000Z", price: -i - 1 }) })],
      ["invalid ts", (i) => ({ value: JSON.stringify({ symbol: "X", ts: `day ${i}`, price: 1 }) })],
      ["volume negative", (i) => ({ value: JSON.stringify({ symbol: "X", ts: "2024-03-15T14:00:00.000Z", price: 1, volume: -i - 1 }) })],
      [
        "wrong schema",
        (i) => ({
          value: JSON.stringify({ symbol: "X", ts: "2024-03-15T14:00:00.000Z", price: 1, seq: i }),
          headers: { schema: "tick.v0" },
        }),
      ],
      [
        "oversized",
        (i) => ({ value: JSON.stringify({ symbol: "X", ts: "2024-03-15T14:00:00.000Z", price: 1, source: "x".repeat(70_000 + i) }) }),
      ],
    ];
    const kafka = new Kafka({ brokers: ["127.0.0.1:9092"], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const valid = 20_000;
    const messages = [];
    for (let i = 0; i < valid; i++) {
      messages.push({
        key: `S${i % 20}`,
        value: JSON.stringify({
          symbol: `S${i % 20}`,
          ts: new Date(Date.UTC(2024, 2, 15, 14, 0, 0, i)).toISOString(),
          price: 10 + (i % 7),
          seq: i,
          source: "faults",
          id: `00000000-0000-5000-8000-${String(i).padStart(12, "0")}`,
        }),
        headers: { schema: "tick.v1" },
      });
      if (i % 20 === 0) {
        const n = i / 20;
        const [, make] = kinds[n % kinds.length]!;
        messages.push({ key: "BAD", ...make(n) });
      }
    }
    // Small requests: ten oversized messages (70 kB each) must not push one request past the broker's 1 MB.
    for (let i = 0; i < messages.length; i += 500) await producer.send({ topic, messages: messages.slice(i, i + 500), acks: -1 });
    await producer.disconnect();
    for (const sink of ["cassandra", "s3"]) {
      const r = await stockpipe(["consume", "--sink", sink, "-g", uniqueName("g"), "--exit-at-end", "-f", "json"], {
        env,
        timeoutMs: 600_000,
      });
      expect(r.code, r.stderr).toBe(0);
      const s = JSON.parse(r.stdout);
      expect(s).toMatchObject({ written: valid, dlq: 1000 });
      expect(Object.fromEntries(Object.entries(s.dlqByReason))).toEqual(Object.fromEntries(kinds.map(([k]) => [k, 100])));
    }
    const v = await stockpipe(["verify", "-f", "json"], { env, timeoutMs: 600_000 });
    expect(v.code, v.stderr).toBe(0);
    const admin = kafka.admin();
    await admin.connect();
    const dlq = await admin.fetchTopicOffsets(`${topic}.dlq`);
    await admin.disconnect();
    // Two consumer groups each dead-letter every bad message once.
    expect(dlq.reduce((n, p) => n + Number(p.high), 0)).toBe(2000);
  }, 900_000);
});
