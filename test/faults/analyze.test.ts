/**
 * Exactly once under crashes (npm run test:faults): `analyze` SIGKILLed at random moments while ticks stream,
 * and two processes of one group with one killed. A read_committed reader then finds every bar exactly once and
 * equal to the DuckDB oracle, and every alert exactly once and equal to an uninterrupted run's.
 */
import kafkajs from "kafkajs";
import { describe, expect, it } from "vitest";
import { stockpipe, uniqueName } from "../helpers";
import { barsOf, compareBars, oracleBars, oracleTicks, readTopic } from "../oracle";
import { type Running, sleep, start } from "./processes";

const { Kafka, logLevel } = kafkajs;
const kafka = new Kafka({ brokers: ["127.0.0.1:9092"], logLevel: logLevel.NOTHING });
const T0 = Date.parse("2024-01-02T14:30:00.000Z");
const INTERVALS = { "1s": 1000, "10s": 10_000, "1m": 60_000 };
const ARGS = ["--intervals", "1s,10s,1m", "--lateness", "2s"];

/**
 * 200,000 ticks of 100 symbols in four runs of the simulator, 50 s of event time each, sent at the simulated pace
 * (1,000 ticks/s: 200 s in all), a second or two apart.
 */
async function streamTicks(env: Record<string, string>): Promise<void> {
  for (let run = 0; run < 4; run++) {
    const r = await stockpipe(
      [
        "produce",
        "--source",
        "synthetic",
        "--symbols",
        "100",
        "--seed",
        String(21 + run),
        "--start",
        new Date(T0 + run * 50_000).toISOString(),
        "--limit",
        "50000",
        "--rate",
        "1000",
      ],
      { env },
    );
    expect(r.code, r.stderr).toBe(0);
    await sleep(1000 + Math.random() * 1000);
  }
}

async function setup(): Promise<{ topic: string; env: Record<string, string> }> {
  const topic = uniqueName("fault-analyze");
  const env = { STOCKPIPE_KAFKA_TOPIC: topic };
  expect((await stockpipe(["topic", "create", topic, "-p", "6"], { env })).code).toBe(0);
  return { topic, env };
}

/** The group's committed offsets and the topic's ends, partition by partition. */
async function positions(topic: string, group: string): Promise<{ committed: number[]; ends: number[] }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [committed, latest] = await Promise.all([
      admin.fetchOffsets({ groupId: group, topics: [topic] }),
      admin.fetchTopicOffsets(topic),
    ]);
    const at = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Math.max(0, Number(p.offset))]));
    const ends = latest.sort((a, b) => a.partition - b.partition);
    return { committed: ends.map((p) => at.get(p.partition) ?? 0), ends: ends.map((p) => Number(p.high)) };
  } finally {
    await admin.disconnect();
  }
}

const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** Waits until `done` holds for the group's positions, failing with what `by` printed after `ms` or once it exits. */
async function waitFor(
  topic: string,
  group: string,
  done: (p: { committed: number[]; ends: number[] }) => boolean,
  ms: number,
  by: Running,
): Promise<void> {
  const deadline = Date.now() + ms;
  let exited = false;
  void by.done.then(() => (exited = true));
  for (;;) {
    const p = await positions(topic, group);
    if (done(p)) return;
    if (exited || Date.now() > deadline)
      throw new Error(`group ${group} at ${p.committed.join(",")} of ${p.ends.join(",")}; the analyze process printed:\n${by.err()}`);
    await sleep(500);
  }
}

type Alert = { id: string; rule: string; symbol: string; ts: string };

async function alertsOf(topic: string): Promise<Alert[]> {
  return (await readTopic(kafka, topic)).map(({ message }) => JSON.parse(message.value!.toString()));
}

/** Bars equal to the oracle, each once; alerts each once and the same as an uninterrupted run's. */
async function expectExactlyOnce(topic: string, env: Record<string, string>): Promise<void> {
  const ticks = oracleTicks(await readTopic(kafka, topic));
  expect(ticks.length).toBe(200_000);
  const expected = await oracleBars(ticks, INTERVALS, 2000);
  const bars = await barsOf(kafka, topic, Object.keys(INTERVALS));
  expect(compareBars(bars, expected)).toEqual([]);
  expect(bars.filter((b) => b.interval === "1m").length).toBe(300);

  // The same ticks analyzed without interruption, into topics of their own.
  const reference = await stockpipe(["analyze", "-g", uniqueName("reference"), "--exit-at-end", ...ARGS], {
    env: {
      ...env,
      STOCKPIPE_ANALYTICS_BARS_TOPIC: "{topic}.ref.bars.{interval}",
      STOCKPIPE_ANALYTICS_ALERTS_TOPIC: "{topic}.ref.alerts",
      STOCKPIPE_ANALYTICS_LATE_TOPIC: "{topic}.ref.late",
    },
    timeoutMs: 600_000,
  });
  expect(reference.code, reference.stderr).toBe(0);
  const alerts = await alertsOf(`${topic}.alerts`);
  const want = await alertsOf(`${topic}.ref.alerts`);
  expect(want.length).toBeGreaterThan(0);
  expect(new Set(alerts.map((a) => a.id)).size).toBe(alerts.length);
  expect(alerts.map((a) => a.id).sort()).toEqual(want.map((a) => a.id).sort());
}

describe("analyze, exactly once", () => {
  it("(f) analyze SIGKILLed five times while 200,000 ticks stream: every bar once and equal to the oracle, every alert once", async () => {
    const { topic, env } = await setup();
    const group = uniqueName("g");
    let streamed = false;
    const streaming = streamTicks(env).then(() => (streamed = true));
    let midWork = 0;
    for (let kill = 1; kill <= 5; kill++) {
      // Each process joins (after the group has given up on the one killed before it), analyzes and commits,
      // and dies at a random moment after its first commit, in the middle of its work.
      const before = total((await positions(topic, group)).committed);
      const a = start(["analyze", "-g", group, ...ARGS], env);
      const atEnd = (p: { committed: number[]; ends: number[] }) => streamed && p.committed.every((c, i) => c === p.ends[i]);
      await waitFor(topic, group, (p) => total(p.committed) > before || atEnd(p), 120_000, a);
      await sleep(Math.random() * 2000);
      if (!atEnd(await positions(topic, group))) midWork++;
      a.child.kill("SIGKILL");
      await a.done;
    }
    await streaming;
    expect(midWork).toBeGreaterThanOrEqual(3);
    const last = await stockpipe(["analyze", "-g", group, "--exit-at-end", "-f", "json", ...ARGS], { env, timeoutMs: 600_000 });
    expect(last.code, last.stderr).toBe(0);
    expect(JSON.parse(last.stdout).restored).toBeGreaterThan(0);
    await expectExactlyOnce(topic, env);
  }, 900_000);

  it("(g) two analyze processes share the partitions; one is killed and the other takes over, exactly once", async () => {
    const { topic, env } = await setup();
    const group = uniqueName("g");
    const a = start(["analyze", "-g", group, ...ARGS], env);
    const b = start(["analyze", "-g", group, ...ARGS], env);
    const streaming = streamTicks(env);
    await sleep(6000);
    a.child.kill("SIGKILL");
    await a.done;
    await streaming;
    // The group gives a's partitions to b once a's session times out; b analyzes everything to the end.
    await waitFor(topic, group, (p) => p.committed.every((c, i) => c === p.ends[i]), 300_000, b);
    b.child.kill("SIGTERM");
    expect(await b.done, b.err()).toBe(130);
    expect(b.err()).toMatch(/analyzed [\d,]+ messages/);
    await expectExactlyOnce(topic, env);
  }, 900_000);
});
