/** The live-feed tests' topics: made per test, read back as JSON values, removed at the end with their servers and keyspace. */
import kafkajs from "kafkajs";
import { expect } from "vitest";
import { stockpipe, uniqueName } from "../helpers";
import type { FeedServer } from "./servers";

const { Kafka, logLevel } = kafkajs;

export function feedTopics(prefix: string) {
  const kafka = new Kafka({ brokers: ["127.0.0.1:9092"], logLevel: logLevel.NOTHING });
  const topics: string[] = [];
  const servers: FeedServer[] = [];
  const keyspace = uniqueName(prefix).replace(/-/g, "_");
  /** Every message value of a topic, from the beginning (the count expected). */
  async function readTopic(topic: string, expected: number): Promise<Record<string, unknown>[]> {
    const consumer = kafka.consumer({ groupId: uniqueName("test-reader") });
    const out: Record<string, unknown>[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${out.length} of ${expected} messages`)), 60_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          out.push(JSON.parse(message.value!.toString()));
          if (out.length >= expected) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    return out;
  }
  return {
    kafka,
    servers,
    keyspace,
    /** A 3-partition topic (and its dead-letter and feed status topics), removed at the end. */
    async newTopic(): Promise<string> {
      const name = uniqueName(`test-${prefix}`);
      const r = await stockpipe(["topic", "create", name, "-p", "3"]);
      expect(r.code, r.stderr).toBe(0);
      topics.push(name, `${name}.dlq`, `${name}.feed-status`);
      return name;
    },
    readTopic,
    /** Every record of a topic, oldest first (a compacted status topic: the last is the latest). */
    async readAll(topic: string): Promise<Record<string, unknown>[]> {
      const admin = kafka.admin();
      await admin.connect();
      const offsets = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
      const count = offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
      return count ? readTopic(topic, count) : [];
    },
    /** Stops the servers, drops the keyspace, deletes the topics. */
    async cleanup(): Promise<void> {
      for (const s of servers) await s.close();
      await stockpipe(["query", `DROP KEYSPACE IF EXISTS ${keyspace}`], { env: { STOCKPIPE_CASSANDRA_KEYSPACE: keyspace } });
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics }).catch(() => {});
      await admin.disconnect();
    },
  };
}
