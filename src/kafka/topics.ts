/** Topic administration: create (the one place topics are made), list, describe, delete. */
import kafkajs, { type Admin } from "kafkajs";
import type { LoadedConfig } from "../config/loader";
import { closest } from "../config/suggest";
import { UsageError } from "../errors";
import { retry } from "../util/retry";
import { createKafka } from "./client";
import { kafkaError, kafkaErrorType, TopicNotFoundError } from "./errors";

const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;

export function checkTopicName(name: string): void {
  if (!TOPIC_NAME.test(name) || name === "." || name === "..") {
    throw new UsageError(`invalid topic name "${name}": use 1-249 letters, digits, '.', '_' or '-' (not "." or "..")`);
  }
}

/** Runs `fn` with a connected admin client; a Kafka failure becomes one line saying what was being done. */
export async function withAdmin<T>(loaded: LoadedConfig, doing: string, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = createKafka(loaded.config, { retries: 1 }).admin();
  try {
    await admin.connect();
    return await fn(admin);
  } catch (err) {
    throw kafkaError(err, loaded, doing);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

export interface TopicSpec {
  name: string;
  partitions: number;
  /** Default: the broker's default.replication.factor. */
  replicationFactor?: number;
  configs?: Record<string, string>;
}

/**
 * Errors a broker gives for a topic the controller has made but whose metadata has not reached it yet, or whose
 * leader named in the metadata has not taken up the partition yet.
 */
const NOT_YET = new Set(["UNKNOWN_TOPIC_OR_PARTITION", "LEADER_NOT_AVAILABLE", "UNKNOWN_TOPIC_ID", "NOT_LEADER_FOR_PARTITION"]);

/**
 * A topic's partition count, once every partition has a leader in the metadata the broker asked gives. On a
 * cluster the controller makes a topic and each broker learns of it a moment later: a broker may not know a new
 * topic yet, so every metadata read of a topic that may be new goes through here.
 */
export function partitionCount(admin: Admin, name: string, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  return retry(
    async () => {
      const partitions = (await admin.fetchTopicMetadata({ topics: [name] })).topics[0]?.partitions ?? [];
      if (partitions.length === 0 || partitions.some((p) => p.leader < 0))
        throw new NoLeaderYet(`topic ${name} has no leader for every partition yet`);
      return partitions.length;
    },
    {
      isRetriable: (err) => err instanceof NoLeaderYet || NOT_YET.has(kafkaErrorType(err) ?? ""),
      shouldStop: () => Date.now() > deadline,
      baseMs: 50,
      maxMs: 1000,
    },
  );
}

class NoLeaderYet extends Error {}

/** Creates the topic unless it exists; resolves true when it created it. Every topic stockpipe makes goes through here. */
export async function ensureTopic(admin: Admin, spec: TopicSpec): Promise<boolean> {
  checkTopicName(spec.name);
  if ((await admin.listTopics()).includes(spec.name)) {
    await partitionCount(admin, spec.name);
    return false;
  }
  // createTopics resolves false when another client created the topic in the meantime.
  const created = await admin.createTopics({
    waitForLeaders: false,
    topics: [
      {
        topic: spec.name,
        numPartitions: spec.partitions,
        replicationFactor: spec.replicationFactor,
        configEntries: Object.entries(spec.configs ?? {}).map(([name, value]) => ({ name, value })),
      },
    ],
  });
  await partitionCount(admin, spec.name);
  await answersReads(admin, spec.name);
  return created;
}

/**
 * Waits until every partition's leader answers a read of its offsets. The metadata names a new partition's leader
 * a moment before that broker has taken the partition up; a read in between fails with "not the leader".
 */
async function answersReads(admin: Admin, name: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  await retry(() => admin.fetchTopicOffsets(name), {
    isRetriable: (err) => NOT_YET.has(kafkaErrorType(err) ?? ""),
    shouldStop: () => Date.now() > deadline,
    baseMs: 50,
    maxMs: 1000,
  });
}

/** Fails with the one "topic does not exist" error when it is missing. */
export async function requireTopic(admin: Admin, name: string): Promise<void> {
  const topics = await admin.listTopics();
  if (!topics.includes(name)) throw topicNotFound(name, topics);
}

/** "topic X does not exist", with the existing topic it most likely meant. */
export function topicNotFound(name: string, existing: readonly string[]): TopicNotFoundError {
  const guess = closest(
    name,
    existing.filter((t) => !t.startsWith("__")),
  );
  return guess
    ? new TopicNotFoundError(name, `did you mean ${guess}? (\`stockpipe topic list\` shows them all)`)
    : new TopicNotFoundError(name);
}

/** Creates the topic, or finds it there already. */
export async function createTopic(loaded: LoadedConfig, spec: TopicSpec): Promise<"created" | "exists"> {
  return withAdmin(loaded, `create topic ${spec.name}`, async (admin) => ((await ensureTopic(admin, spec)) ? "created" : "exists"));
}

export interface TopicSummary {
  topic: string;
  partitions: number;
  replicationFactor: number;
  messages: number;
}

export async function listTopics(loaded: LoadedConfig, all: boolean): Promise<TopicSummary[]> {
  return withAdmin(loaded, "list topics", async (admin) => {
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

export async function describeTopic(loaded: LoadedConfig, name: string): Promise<TopicDescription> {
  checkTopicName(name);
  return withAdmin(loaded, `describe topic ${name}`, async (admin) => {
    await requireTopic(admin, name);
    const meta = await admin.fetchTopicMetadata({ topics: [name] });
    const offsets = await admin.fetchTopicOffsets(name);
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name }],
    });
    const configs: Record<string, string> = {};
    for (const e of described.resources[0]?.configEntries ?? []) {
      if (!e.isDefault && !e.isSensitive) configs[e.configName] = e.configValue;
    }
    const partitions = (meta.topics[0]?.partitions ?? [])
      .map((p) => {
        const o = offsets.find((x) => x.partition === p.partitionId);
        return {
          partition: p.partitionId,
          leader: p.leader,
          replicas: p.replicas,
          isr: p.isr,
          earliest: o?.low ?? "0",
          latest: o?.high ?? "0",
        };
      })
      .sort((a, b) => a.partition - b.partition);
    return { topic: name, partitions, configs };
  });
}

/** The named topics (each must exist) and every topic starting with `prefix`, Kafka's own left out; sorted. */
export async function topicsToDelete(loaded: LoadedConfig, names: readonly string[], prefix?: string): Promise<string[]> {
  for (const name of names) checkTopicName(name);
  return withAdmin(loaded, "list topics", async (admin) => {
    const existing = await admin.listTopics();
    for (const name of names) if (!existing.includes(name)) throw topicNotFound(name, existing);
    const byPrefix = prefix ? existing.filter((t) => t.startsWith(prefix) && !t.startsWith("__")) : [];
    return [...new Set([...names, ...byPrefix])].sort();
  });
}

/** Deletes the topics in one request. */
export async function deleteTopics(loaded: LoadedConfig, names: readonly string[]): Promise<void> {
  for (const name of names) checkTopicName(name);
  await withAdmin(loaded, `delete ${names.length === 1 ? `topic ${names[0]}` : `${names.length} topics`}`, async (admin) => {
    for (const name of names) await requireTopic(admin, name);
    await admin.deleteTopics({ topics: [...names], timeout: 30_000 });
  });
}
