/**
 * The cluster profile: three Kafka brokers in KRaft on this host. One broker is SIGKILLed while 200,000 ticks
 * are produced with acks=all and consumed into Cassandra (the default stack's); both carry on, `verify` finds
 * every tick exactly once, and the broker restarts and rejoins.
 */
import kafkajs from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stockpipe, uniqueName } from "../helpers";
import { sleep, start, waitFor } from "./processes";

const { Kafka, logLevel } = kafkajs;
const BROKERS = ["127.0.0.1:9292", "127.0.0.1:9294", "127.0.0.1:9296"];
const CLUSTER = ["--profile", "cluster"];
let startedHere = false;

/** The cluster profile's brokers (its Cassandra and S3 are not used here: `status` exits 1 for them, the rows are what count). */
async function brokerStatus(): Promise<{ service: string; state: string; pid?: number }[]> {
  const r = await stockpipe(["local", "status", ...CLUSTER, "-f", "json"]);
  return (JSON.parse(r.stdout) as { service: string; state: string; pid?: number }[]).filter((s) => s.service.startsWith("kafka-"));
}

beforeAll(async () => {
  startedHere = (await brokerStatus().catch(() => [])).some((s) => s.state !== "running");
  const up = await stockpipe(["local", "up", ...CLUSTER, "kafka"], { timeoutMs: 280_000 });
  expect(up.code, up.stderr).toBe(0);
}, 300_000);

afterAll(async () => {
  if (startedHere) await stockpipe(["local", "down", ...CLUSTER, "kafka", "--purge"], { timeoutMs: 120_000 });
}, 180_000);

describe("cluster profile", () => {
  it("(h) a broker SIGKILLed while 200,000 ticks are produced (acks=all) and consumed: both carry on, every tick exactly once, the broker rejoins", async () => {
    const name = uniqueName("cluster");
    const env: Record<string, string> = {
      STOCKPIPE_KAFKA_BROKERS: BROKERS.join(","),
      STOCKPIPE_KAFKA_TOPIC: name,
      STOCKPIPE_CASSANDRA_KEYSPACE: name.replace(/-/g, "_"),
    };
    // `local env --profile cluster` sets the replication factor for new topics; min.insync.replicas is the brokers' default.
    const printed = await stockpipe(["local", "env", ...CLUSTER]);
    expect(printed.stdout).toContain(`export STOCKPIPE_KAFKA_BROKERS=${BROKERS.join(",")}`);
    expect(printed.stdout).toContain("export STOCKPIPE_KAFKA_REPLICATION_FACTOR=3");
    env.STOCKPIPE_KAFKA_REPLICATION_FACTOR = "3";
    expect((await stockpipe(["topic", "create", name, "-p", "6"], { env })).code).toBe(0);
    expect((await stockpipe(["schema", "cassandra"], { env })).code).toBe(0);

    const kafka = new Kafka({ brokers: BROKERS, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const meta = await admin.fetchTopicMetadata({ topics: [name] });
      const partitions = meta.topics[0]!.partitions;
      expect(partitions).toHaveLength(6);
      for (const p of partitions) expect([...p.replicas].sort()).toEqual([1, 2, 3]);
      const configs = await admin.describeConfigs({
        resources: [{ type: 2, name, configNames: ["min.insync.replicas"] }],
        includeSynonyms: false,
      });
      expect(configs.resources[0]!.configEntries[0]!.configValue).toBe("2");

      const total = 200_000;
      const group = uniqueName("g");
      const producer = start(
        [
          "produce",
          "--source",
          "synthetic",
          "--symbols",
          "50",
          "--seed",
          "8",
          "--rate",
          "10000",
          "--limit",
          String(total),
          "--acks",
          "all",
          "-f",
          "json",
        ],
        env,
      );
      const consumer = start(["consume", "--sink", "cassandra", "-g", group, "-f", "json"], env);
      const output = () => `producer:\n${producer.err().slice(-2000)}\nconsumer:\n${consumer.err().slice(-2000)}`;
      // Kill the broker that leads partition 0 once the consumer has committed something.
      await waitFor(
        "the consumer's first commit",
        120_000,
        async () => {
          const lag = JSON.parse((await stockpipe(["topic", "lag", "-g", group, "-f", "json"], { env })).stdout) as {
            committed: number | null;
          }[];
          return lag.some((p) => (p.committed ?? 0) > 0) ? true : undefined;
        },
        output,
      );
      const leader = (await admin.fetchTopicMetadata({ topics: [name] })).topics[0]!.partitions.find((p) => p.partitionId === 0)!.leader;
      const victim = (await brokerStatus()).find((s) => s.service === `kafka-${leader}`)!;
      expect(victim.pid).toBeGreaterThan(0);
      process.kill(victim.pid!, "SIGKILL");
      const killedAt = Date.now();
      await waitFor("the killed broker to be gone", 30_000, async () =>
        (await brokerStatus()).find((s) => s.service === victim.service)!.state === "running" ? undefined : true,
      );
      // The producer and consumer are still running, on two brokers, for a while.
      await sleep(8000);
      expect(producer.child.exitCode, producer.err()).toBeNull();
      expect(consumer.child.exitCode, consumer.err()).toBeNull();

      const restarted = await stockpipe(["local", "up", ...CLUSTER, victim.service], { timeoutMs: 280_000 });
      expect(restarted.code, restarted.stderr).toBe(0);
      expect(restarted.stdout).toMatch(new RegExp(`${victim.service}.*running`));

      expect(await producer.done, producer.err()).toBe(0);
      expect(JSON.parse(producer.out())).toMatchObject({ sent: total, rejected: 0 });
      // The broker is back in sync: every partition's in-sync replicas include it again.
      await waitFor("the restarted broker back in every ISR", 180_000, async () => {
        const parts = (await admin.fetchTopicMetadata({ topics: [name] })).topics[0]!.partitions;
        return parts.every((p) => p.isr.includes(leader)) ? true : undefined;
      });
      const cluster = await admin.describeCluster();
      expect(cluster.brokers.map((b) => b.nodeId).sort()).toEqual([1, 2, 3]);

      await waitFor(
        "the consumer to catch up",
        300_000,
        async () => {
          const lag = JSON.parse((await stockpipe(["topic", "lag", "-g", group, "-f", "json"], { env })).stdout) as {
            committed: number | null;
            lag: number;
          }[];
          return lag.every((p) => p.committed !== null && p.lag === 0) ? true : undefined;
        },
        output,
      );
      consumer.child.kill("SIGINT");
      expect(await consumer.done, consumer.err()).toBe(130);
      expect(JSON.parse(consumer.out())).toMatchObject({ dlq: 0 });
      process.stderr.write(
        `[cluster] broker ${leader} killed ${((Date.now() - killedAt) / 1000).toFixed(0)}s before the consumer caught up\n`,
      );

      const v = await stockpipe(["verify", "--sinks", "cassandra", "-f", "json"], { env, timeoutMs: 600_000 });
      expect(v.code, v.stdout + v.stderr).toBe(0);
      const report = JSON.parse(v.stdout) as { symbols: { kafka: number; stored: number }[] };
      expect(report.symbols.reduce((n, s) => n + s.stored, 0)).toBe(total);
    } finally {
      await admin.deleteTopics({ topics: [name, `${name}.dlq`] }).catch(() => {});
      await admin.disconnect();
    }
  }, 1_200_000);
});
