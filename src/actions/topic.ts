import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import { commandContext, flag, type CommandContext } from "../commands/context";
import { RuntimeError, UsageError } from "../errors";
import { checkTopicName, createTopic, deleteTopic, describeTopic, listTopics } from "../kafka/topics";
import { log } from "../ui/log";
import { printRows } from "../ui/output";
import { withSpinner } from "../ui/spinner";

export async function topicCreate(
  cmd: Command,
  name: string | undefined,
  opts: { partitions?: string; replicationFactor?: string; topicConfig?: string[]; ifNotExists?: boolean },
): Promise<void> {
  if (name !== undefined) checkTopicName(name);
  // -p and -r go through the config layer, so their validation and error messages are the config's.
  const ctx = commandContext(cmd, [
    ...flag("kafka.partitions", opts.partitions, "--partitions"),
    ...flag("kafka.replicationFactor", opts.replicationFactor, "--replication-factor"),
    ...flag("kafka.topic", name, "topic name argument"),
  ]);
  const configs: Record<string, string> = {};
  for (const entry of opts.topicConfig ?? []) {
    const eq = entry.indexOf("=");
    if (eq <= 0) throw new UsageError(`--topic-config "${entry}" must be key=value, e.g. retention.ms=86400000`);
    configs[entry.slice(0, eq).trim()] = entry.slice(eq + 1).trim();
  }
  const k = ctx.config.kafka;
  const result = await withSpinner(`creating topic ${k.topic}`, () =>
    createTopic(ctx, { name: k.topic, partitions: k.partitions, replicationFactor: k.replicationFactor, configs, ifNotExists: Boolean(opts.ifNotExists) }),
  (r) => (r === "created" ? `created topic ${k.topic} (${k.partitions} partitions, replication ${k.replicationFactor})` : `topic ${k.topic} exists already`));
  if (result === "exists") log.debug("left the existing topic as it is");
}

export async function topicList(ctx: CommandContext, all: boolean): Promise<void> {
  const rows = await listTopics(ctx, all);
  if (rows.length === 0 && ctx.format === "table") log.info("no topics yet: `stockpipe topic create` makes one");
  printRows(rows as unknown as Record<string, unknown>[], [{ key: "topic" }, { key: "partitions", align: "right" }, { key: "replicationFactor", header: "replication", align: "right" }, { key: "messages", align: "right" }], ctx.format);
}

export async function topicDescribe(ctx: CommandContext, name: string): Promise<void> {
  const d = await describeTopic(ctx, name);
  if (ctx.format === "json") {
    process.stdout.write(JSON.stringify(d, null, 2) + "\n");
    return;
  }
  printRows(d.partitions as unknown as Record<string, unknown>[], [
    { key: "partition", align: "right" },
    { key: "leader", align: "right" },
    { key: "replicas" },
    { key: "isr", header: "ISR" },
    { key: "earliest", align: "right" },
    { key: "latest", align: "right" },
  ], ctx.format);
  const configs = Object.entries(d.configs).map(([key, value]) => ({ config: key, value }));
  if (ctx.format === "table") {
    if (configs.length) printRows(configs, [{ key: "config" }, { key: "value" }], "table");
    else log.info(`topic ${name}: every config at the broker's default`);
  }
}

export async function topicDelete(ctx: CommandContext, name: string, yes: boolean): Promise<void> {
  if (!yes) {
    if (!process.stdin.isTTY) throw new UsageError(`refusing to delete topic ${name} without confirmation`, { hint: "pass --yes" });
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await rl.question(`Delete topic ${name} and all its messages? Type its name to confirm: `);
    rl.close();
    if (answer.trim() !== name) throw new RuntimeError("not confirmed; nothing deleted");
  }
  await withSpinner(`deleting topic ${name}`, () => deleteTopic(ctx, name), () => `deleted topic ${name}`);
}
