/** Topic administration: create, list, describe, delete. */
import kafkajs, { type Admin } from "kafkajs";
import type { CommandContext } from "../commands/context";
import { RuntimeError, UsageError } from "../errors";
import { createKafka } from "./client";
import { kafkaError } from "./errors";

const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;

export function checkTopicName(name: string): void {
  if (!TOPIC_NAME.test(name) || name === "." || name === "..") {
    throw new UsageError(`invalid topic name "${name}": use 1-249 letters, digits, '.', '_' or '-' (not "." or "..")`);
  }
}

export async function withAdmin<T>(ctx: CommandContext, doing: string, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = createKafka(ctx.config, { retries: 1 }).admin();
  try {
    await admin.connect();
    return await fn(admin);
  } catch (err) {
    throw kafkaError(err, ctx, doing);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

export interface CreateTopicOptions {
  name: string;
  partitions: number;
  replicationFactor: number;
  configs: Record<string, string>;
  ifNotExists: boolean;
}

export async function createTopic(ctx: CommandContext, o: CreateTopicOptions): Promise<"created" | "exists"> {
  checkTopicName(o.name);
  return withAdmin(ctx, `create topic ${o.name}`, async (admin) => {
    const existing = await admin.listTopics();
    if (existing.includes(o.name)) {
      if (o.ifNotExists) return "exists";
      throw new RuntimeError(`topic ${o.name} already exists`, { hint: "pass --if-not-exists to accept it, or `stockpipe topic describe " + o.name + "` to see it" });
    }
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: o.name,
          numPartitions: o.partitions,
          replicationFactor: o.replicationFactor,
          configEntries: Object.entries(o.configs).map(([name, value]) => ({ name, value })),
        },
      ],
    });
    return "created";
  });
}

export interface TopicSummary {
  topic: string;
  partitions: number;
  replicationFactor: number;
  messages: number;
}

export async function listTopics(ctx: CommandContext, all: boolean): Promise<TopicSummary[]> {
  return withAdmin(ctx, "list topics", async (admin) => {
    const names = (await admin.listTopics()).filter((t) => all || !t.startsWith("__")).sort();
    if (names.length === 0) return [];
    const meta = await admin.fetchTopicMetadata({ topics: names });
    const out: TopicSummary[] = [];
    for (const t of meta.topics) {
      const offsets = await admin.fetchTopicOffsets(t.name);
      out.push({
        topic: t.name,
        partitions: t.partitions.length,
        replicationFactor: t.partitions[0]?.replicas.length ?? 0,
        messages: offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0),
      });
    }
    return out.sort((a, b) => a.topic.localeCompare(b.topic));
  });
}

export interface PartitionInfo {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
  earliest: string;
  latest: string;
}

export interface TopicDescription {
  topic: string;
  partitions: PartitionInfo[];
  configs: Record<string, string>;
}

export async function describeTopic(ctx: CommandContext, name: string): Promise<TopicDescription> {
  checkTopicName(name);
  return withAdmin(ctx, `describe topic ${name}`, async (admin) => {
    if (!(await admin.listTopics()).includes(name)) {
      throw new RuntimeError(`topic ${name} does not exist`, { hint: "`stockpipe topic list` shows the topics; `stockpipe topic create " + name + "` creates it" });
    }
    const meta = await admin.fetchTopicMetadata({ topics: [name] });
    const offsets = await admin.fetchTopicOffsets(name);
    const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name }] });
    const configs: Record<string, string> = {};
    for (const e of described.resources[0]?.configEntries ?? []) {
      if (!e.isDefault && !e.isSensitive) configs[e.configName] = e.configValue;
    }
    const partitions = (meta.topics[0]?.partitions ?? [])
      .map((p) => {
        const o = offsets.find((x) => x.partition === p.partitionId);
        return { partition: p.partitionId, leader: p.leader, replicas: p.replicas, isr: p.isr, earliest: o?.low ?? "0", latest: o?.high ?? "0" };
      })
      .sort((a, b) => a.partition - b.partition);
    return { topic: name, partitions, configs };
  });
}

export async function deleteTopic(ctx: CommandContext, name: string): Promise<void> {
  checkTopicName(name);
  await withAdmin(ctx, `delete topic ${name}`, async (admin) => {
    if (!(await admin.listTopics()).includes(name)) throw new RuntimeError(`topic ${name} does not exist`, { hint: "`stockpipe topic list` shows the topics" });
    await admin.deleteTopics({ topics: [name], timeout: 10_000 });
  });
}
