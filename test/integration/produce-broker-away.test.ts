/**
 * The broker goes away while producing: the producer keeps retrying with its bounded buffer and loses nothing.
 * Runs its own Kafka (own folder and ports) so stopping it does not disturb the shared stack.
 */
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import kafkajs from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, stockpipe } from "../helpers";

const { Kafka, logLevel } = kafkajs;
const dir = mkdtempSync(join(tmpdir(), "stockpipe-away-"));
const port = 19_100 + Math.floor(Math.random() * 400) * 2;
const env = { STOCKPIPE_LOCAL_DIR: dir, STOCKPIPE_LOCAL_KAFKA_PORT: String(port), STOCKPIPE_KAFKA_BROKERS: `127.0.0.1:${port}` };

beforeAll(async () => {
  const r = await stockpipe(["local", "up", "kafka"], { env, timeoutMs: 180_000 });
  expect(r.code, r.stderr).toBe(0);
  expect((await stockpipe(["topic", "create", "away", "-p", "3"], { env })).code).toBe(0);
}, 240_000);

afterAll(async () => {
  await stockpipe(["local", "down", "kafka", "--purge"], { env });
});

describe("produce while the broker goes away", () => {
  it("waits, retries and delivers every tick once the broker is back", async () => {
    const total = 12_000;
    const child = spawn(
      process.execPath,
      [
        BIN,
        "produce",
        "--source",
        "synthetic",
        "--symbols",
        "20",
        "--seed",
        "5",
        "--rate",
        "1500",
        "--limit",
        String(total),
        "--topic",
        "away",
        "-f",
        "json",
      ],
      {
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const done = new Promise<number>((r) => child.on("close", (c) => r(c ?? -1)));

    await new Promise((r) => setTimeout(r, 2500));
    expect((await stockpipe(["local", "down", "kafka"], { env })).code).toBe(0);
    await new Promise((r) => setTimeout(r, 5000));
    expect((await stockpipe(["local", "up", "kafka"], { env, timeoutMs: 120_000 })).code).toBe(0);

    const code = await done;
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/Kafka did not take a batch .*retry \d+ in \d+ms/);
    expect(JSON.parse(stdout)).toMatchObject({ sent: total, stoppedBy: "limit" });

    // Every simulated tick is in the topic: at-least-once, so a retried batch may appear twice, but none is missing.
    const consumer = new Kafka({ brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING }).consumer({ groupId: "check" });
    const seqs = new Set<number>();
    let messages = 0;
    await consumer.connect();
    await consumer.subscribe({ topic: "away", fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${seqs.size} of ${total} ticks found`)), 60_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          messages++;
          seqs.add(JSON.parse(String(message.value)).seq);
          if (seqs.size === total) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    expect(seqs.size).toBe(total);
    expect(Math.min(...seqs)).toBe(0);
    expect(Math.max(...seqs)).toBe(total - 1);
    expect(messages).toBeGreaterThanOrEqual(total);
  });
});
