import { type Command, Option } from "commander";
import { RuntimeError, type StockpipeError, UsageError } from "../errors";
import type { TopicDescription } from "../kafka/topics";
import { log } from "../log";
import { printRows } from "../ui/output";
import { withSpinner } from "../ui/spinner";
import { deleteSelected } from "./common";
import { type CommandContext, commandContext, flag } from "./context";
import { examples, formatOption } from "./options";

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerTopic(program: Command): void {
  const topic = program
    .command("topic")
    .description("create, list, describe and delete Kafka topics")
    .addHelpText(
      "after",
      examples(
        "stockpipe topic create ticks -p 6",
        "stockpipe topic list",
        "stockpipe topic describe ticks -f json",
        "stockpipe topic delete old-ticks --yes",
      ),
    );

  topic
    .command("create")
    .description("create a topic (default name: kafka.topic, partitions and replication from config)")
    .argument("[name]", "topic name (default: kafka.topic)")
    .option("-p, --partitions <n>", "number of partitions (default: kafka.partitions)")
    .option("-r, --replication-factor <n>", "replicas per partition (default: kafka.replicationFactor)")
    .addOption(new Option("--topic-config <key=value>", "a topic config entry, repeatable (e.g. retention.ms=86400000)").argParser(collect))
    .option("--if-not-exists", "succeed if the topic exists already")
    .addHelpText(
      "after",
      examples(
        "stockpipe topic create ticks -p 6",
        "stockpipe topic create ticks -p 12 -r 3 --topic-config retention.ms=604800000 --topic-config cleanup.policy=delete",
        "stockpipe topic create --if-not-exists",
      ),
    )
    .action(
      async (
        name: string | undefined,
        opts: { partitions?: string; replicationFactor?: string; topicConfig?: string[]; ifNotExists?: boolean },
        cmd: Command,
      ) => {
        await topicCreate(cmd, name, opts);
      },
    );

  topic
    .command("list")
    .description("list topics with their partitions, replication and message count")
    .option("--all", "include internal topics (__consumer_offsets, …)")
    .addOption(formatOption())
    .addHelpText("after", examples("stockpipe topic list", "stockpipe topic list -f csv"))
    .action(async (opts: { all?: boolean }, cmd: Command) => {
      await topicList(commandContext(cmd), Boolean(opts.all));
    });

  topic
    .command("describe")
    .description("partitions (leader, replicas, ISR, earliest/latest offsets) and non-default configs of a topic")
    .argument("[name]", "topic name (default: kafka.topic)")
    .addOption(formatOption())
    .addHelpText("after", examples("stockpipe topic describe ticks", "stockpipe topic describe ticks -f json"))
    .action(async (name: string | undefined, _opts, cmd: Command) => {
      const ctx = commandContext(cmd);
      await topicDescribe(ctx, name ?? ctx.config.kafka.topic);
    });

  topic
    .command("lag")
    .description("committed offset, latest offset, lag and the member holding each partition, for a consumer group")
    .argument("[name]", "topic name (default: every topic the group has committed offsets for)")
    .option("-g, --group <group>", "consumer group (default: consumer.group, or stockpipe-cassandra)")
    .addOption(formatOption())
    .addHelpText("after", examples("stockpipe topic lag -g stockpipe-analyze", "stockpipe topic lag ticks -g stockpipe-s3 -f json"))
    .action(async (name: string | undefined, opts: { group?: string }, cmd: Command) => {
      const ctx = commandContext(cmd);
      await topicLag(ctx, name, opts.group ?? ctx.config.consumer.group ?? "stockpipe-cassandra");
    });

  topic
    .command("delete")
    .description("delete topics and all their messages: by name, or every topic whose name starts with a prefix")
    .argument("[names...]", "topic names")
    .option("--prefix <prefix>", "also every topic whose name starts with this (e.g. a tour's or a test's names)")
    .option("-y, --yes", "do not ask for confirmation (needed when not on a terminal)")
    .addHelpText(
      "after",
      examples(
        "stockpipe topic delete old-ticks --yes",
        "stockpipe topic delete ticks ticks.dlq --yes",
        "stockpipe topic delete --prefix tour-",
      ),
    )
    .action(async (names: string[], opts: { prefix?: string; yes?: boolean }, cmd: Command) => {
      await topicDelete(commandContext(cmd), names, opts.prefix, Boolean(opts.yes));
    });
}

async function topicCreate(
  cmd: Command,
  name: string | undefined,
  opts: { partitions?: string; replicationFactor?: string; topicConfig?: string[]; ifNotExists?: boolean },
): Promise<void> {
  const { checkTopicName, createTopic } = await import("../kafka/topics");
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
  const sp = withSpinner(
    `creating topic ${k.topic}`,
    async () => {
      const r = await createTopic(ctx.loaded, { name: k.topic, partitions: k.partitions, replicationFactor: k.replicationFactor, configs });
      if (r === "exists" && !opts.ifNotExists)
        throw new RuntimeError(`topic ${k.topic} already exists`, {
          hint: `pass --if-not-exists to accept it, or \`stockpipe topic describe ${k.topic}\` to see it`,
        });
      return r;
    },
    (r) =>
      r === "created"
        ? `created topic ${k.topic} (${k.partitions} partitions, replication ${k.replicationFactor})`
        : `topic ${k.topic} exists already (left as it is)`,
  );
  await sp.catch((err: StockpipeError) => {
    if (/INVALID_CONFIG/.test(err.message))
      err.hint = "check the --topic-config entries: names and values as in Kafka's topic configuration reference";
    throw err;
  });
}

async function topicList(ctx: CommandContext, all: boolean): Promise<void> {
  const { listTopics } = await import("../kafka/topics");
  const rows = await listTopics(ctx.loaded, all);
  if (rows.length === 0 && ctx.format === "table") log.info("no topics yet: `stockpipe topic create` makes one");
  printRows(
    rows as unknown as Record<string, unknown>[],
    [
      { key: "topic" },
      { key: "partitions", align: "right" },
      { key: "replicationFactor", header: "replication", align: "right" },
      { key: "messages", align: "right" },
    ],
    ctx.format,
  );
}

async function topicDescribe(ctx: CommandContext, name: string): Promise<void> {
  const { describeTopic } = await import("../kafka/topics");
  const d: TopicDescription = await describeTopic(ctx.loaded, name);
  if (ctx.format === "json") {
    process.stdout.write(`${JSON.stringify(d, null, 2)}\n`);
    return;
  }
  printRows(
    d.partitions as unknown as Record<string, unknown>[],
    [
      { key: "partition", align: "right" },
      { key: "leader", align: "right" },
      { key: "replicas" },
      { key: "isr", header: "ISR" },
      { key: "earliest", align: "right" },
      { key: "latest", align: "right" },
    ],
    ctx.format,
  );
  const configs = Object.entries(d.configs).map(([key, value]) => ({ config: key, value }));
  if (ctx.format === "table") {
    if (configs.length) printRows(configs, [{ key: "config" }, { key: "value" }], "table");
    else log.info(`topic ${name}: every config at the broker's default`);
  }
}

async function topicDelete(ctx: CommandContext, names: string[], prefix: string | undefined, yes: boolean): Promise<void> {
  const { deleteTopics, topicsToDelete } = await import("../kafka/topics");
  await deleteSelected({
    kind: "topic",
    noun: "topic",
    names,
    prefix,
    yes,
    consequence: " and all their messages",
    example: "stockpipe topic delete old-ticks",
    select: (n, p) => topicsToDelete(ctx.loaded, n, p),
    remove: (topics) => deleteTopics(ctx.loaded, topics),
  });
}

async function topicLag(ctx: CommandContext, name: string | undefined, group: string): Promise<void> {
  const { withAdmin } = await import("../kafka/topics");
  const { groupTopics, partitionLag } = await import("../kafka/lag");
  const { requireTopic } = await import("../kafka/topics");
  const rows = await withAdmin(ctx.loaded, `read the lag of group ${group}`, async (admin) => {
    if (name !== undefined) await requireTopic(admin, name);
    const topics = name !== undefined ? [name] : await groupTopics(admin, group);
    const out: (Record<string, unknown> & { lag: number; member: string | null })[] = [];
    for (const topic of topics) for (const p of await partitionLag(admin, topic, group)) out.push({ topic, ...p });
    return { topics, rows: out };
  });
  if (rows.topics.length === 0) {
    log.info(`group ${group} has no committed offsets: it has not consumed anything yet (or does not exist)`);
    if (ctx.format !== "table") process.stdout.write(ctx.format === "json" ? "[]\n" : "");
    return;
  }
  printRows(
    rows.rows,
    [
      ...(name === undefined ? [{ key: "topic" }] : []),
      { key: "partition", align: "right" as const },
      { key: "committed", align: "right" as const },
      { key: "latest", align: "right" as const },
      { key: "lag", align: "right" as const },
      { key: "member" },
      { key: "host" },
    ],
    ctx.format,
  );
  if (ctx.format === "table") {
    const members = new Set(rows.rows.flatMap((r) => (r.member ? [r.member] : []))).size;
    process.stderr.write(
      `group ${group} on ${rows.topics.join(", ")}: total lag ${rows.rows.reduce((n, r) => n + r.lag, 0).toLocaleString("en-US")}, ${members} active member${members === 1 ? "" : "s"}\n`,
    );
  }
}
