/**
 * The pipeline's health as the dashboard shows it, sampled from Kafka every few seconds: how fast ticks arrive on
 * the topic, every consumer group's lag on it and how fast each one commits (the rate its sink makes records
 * durable), how many dead letters and late ticks there are, and whether Kafka, Cassandra and S3 answer.
 */
import type { Admin } from "kafkajs";
import type { LoadedConfig } from "../config/loader";
import { errorMessage } from "../errors";
import { type Check, checks, runCheck } from "../health/checks";
import type { FeedStatus } from "../model/status";
import type { DestinationStatus } from "../notify/status";

export interface GroupHealth {
  group: string;
  lag: number;
  /** Offsets committed per second over the last sample (records made durable per second). */
  rate: number;
  members: number;
}

export interface ServiceHealth {
  name: string;
  endpoint: string;
  ok: boolean;
  detail: string;
}

export interface Health {
  at: string;
  topic: string;
  /** Messages appended to the topic per second over the last sample. */
  produceRate: number;
  messages: number;
  groups: GroupHealth[];
  dlq: number | null;
  late: number | null;
  services: ServiceHealth[];
  /** Where notify delivers alerts, and how that goes (from its status topic). */
  destinations?: DestinationStatus[];
  /** The live feeds producing to the topic, and their gaps (from their status topic). */
  sources?: FeedStatus[];
  error?: string;
}

/** Groups that only read for a moment (tail, verify, dashboards) are not the pipeline's consumers. */
const THROWAWAY = /^stockpipe-(reader|dashboard)-/;

async function messageCount(admin: Admin, topic: string, topics: Set<string>): Promise<number | null> {
  if (!topics.has(topic)) return null;
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
}

export class HealthMonitor {
  private last?: { at: number; end: number; committed: Map<string, number> };
  private services: ServiceHealth[] = [];
  private servicesAt = 0;
  private probing = false;
  private readonly checks: Check[];

  constructor(
    private readonly admin: Admin,
    loaded: LoadedConfig,
    private readonly topic: string,
    private readonly servicesEveryMs = 10_000,
  ) {
    this.checks = checks(loaded).filter((c) => c.name === "kafka" || c.name === "cassandra" || c.name === "s3");
  }

  async sample(): Promise<Health> {
    const now = Date.now();
    // The services are probed in the background (a probe may wait up to 10 s for an answer).
    if (!this.probing && now - this.servicesAt >= this.servicesEveryMs) {
      this.probing = true;
      void Promise.all(this.checks.map((c) => runCheck(c))).then((results) => {
        this.services = results.map((r) => ({ name: r.check, endpoint: r.endpoint, ok: r.ok, detail: r.version }));
        this.servicesAt = Date.now();
        this.probing = false;
      });
    }
    const health: Health = {
      at: new Date(now).toISOString(),
      topic: this.topic,
      produceRate: 0,
      messages: 0,
      groups: [],
      dlq: null,
      late: null,
      services: this.services,
    };
    try {
      const topics = new Set(await this.admin.listTopics());
      const offsets = await this.admin.fetchTopicOffsets(this.topic);
      const ends = new Map(offsets.map((p) => [p.partition, Number(p.high)]));
      const end = [...ends.values()].reduce((a, b) => a + b, 0);
      health.messages = offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
      const groups = (await this.admin.listGroups()).groups.map((g) => g.groupId).filter((g) => !THROWAWAY.test(g));
      const described = new Map(
        groups.length ? (await this.admin.describeGroups(groups)).groups.map((g) => [g.groupId, g.members.length]) : [],
      );
      const committed = new Map<string, number>();
      await Promise.all(
        groups.map(async (group) => {
          const parts = (await this.admin.fetchOffsets({ groupId: group, topics: [this.topic] }))[0]?.partitions ?? [];
          if (!parts.some((p) => Number(p.offset) >= 0)) return;
          let lag = 0;
          let at = 0;
          for (const p of parts) {
            const c = Number(p.offset);
            const high = ends.get(p.partition) ?? 0;
            lag += Math.max(0, high - Math.max(c, 0));
            at += Math.max(c, 0);
          }
          committed.set(group, at);
          const before = this.last?.committed.get(group);
          const seconds = this.last ? (now - this.last.at) / 1000 : 0;
          const rate = before !== undefined && seconds > 0 ? Math.max(0, (at - before) / seconds) : 0;
          health.groups.push({ group, lag, rate, members: described.get(group) ?? 0 });
        }),
      );
      health.groups.sort((a, b) => a.group.localeCompare(b.group));
      if (this.last) health.produceRate = Math.max(0, (end - this.last.end) / ((now - this.last.at) / 1000));
      this.last = { at: now, end, committed };
      [health.dlq, health.late] = await Promise.all([
        messageCount(this.admin, `${this.topic}.dlq`, topics),
        messageCount(this.admin, `${this.topic}.late`, topics),
      ]);
    } catch (err) {
      health.error = `Kafka: ${errorMessage(err)}`;
    }
    return health;
  }
}
