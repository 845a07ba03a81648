import { Option, type Command } from "commander";
import { commandContext } from "./context";
import { examples, formatOption } from "./options";

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerTopic(program: Command): void {
  const topic = program
    .command("topic")
    .description("create, list, describe and delete Kafka topics")
    .addHelpText("after", examples("stockpipe topic create ticks -p 6", "stockpipe topic list", "stockpipe topic describe ticks -f json", "stockpipe topic delete old-ticks --yes"));

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
      examples("stockpipe topic create ticks -p 6", "stockpipe topic create ticks -p 12 -r 3 --topic-config retention.ms=604800000 --topic-config cleanup.policy=delete", "stockpipe topic create --if-not-exists"),
    )
    .action(async (name: string | undefined, opts: { partitions?: string; replicationFactor?: string; topicConfig?: string[]; ifNotExists?: boolean }, cmd: Command) => {
      const { topicCreate } = await import("../actions/topic");
      await topicCreate(cmd, name, opts);
    });

  topic
    .command("list")
    .description("list topics with their partitions, replication and message count")
    .option("--all", "include internal topics (__consumer_offsets, …)")
    .addOption(formatOption())
    .addHelpText("after", examples("stockpipe topic list", "stockpipe topic list -f csv"))
    .action(async (opts: { all?: boolean }, cmd: Command) => {
      const { topicList } = await import("../actions/topic");
      await topicList(commandContext(cmd), Boolean(opts.all));
    });

  topic
    .command("describe")
    .description("partitions (leader, replicas, ISR, earliest/latest offsets) and non-default configs of a topic")
    .argument("[name]", "topic name (default: kafka.topic)")
    .addOption(formatOption())
    .addHelpText("after", examples("stockpipe topic describe ticks", "stockpipe topic describe ticks -f json"))
    .action(async (name: string | undefined, _opts, cmd: Command) => {
      const { topicDescribe } = await import("../actions/topic");
      const ctx = commandContext(cmd);
      await topicDescribe(ctx, name ?? ctx.config.kafka.topic);
    });

  topic
    .command("lag")
    .description("committed offset, latest offset and lag per partition for a consumer group")
    .argument("[name]", "topic name (default: kafka.topic)")
    .option("-g, --group <group>", "consumer group (default: consumer.group, or stockpipe-cassandra)")
    .addOption(formatOption())
    .addHelpText("after", examples("stockpipe topic lag", "stockpipe topic lag ticks -g stockpipe-s3 -f json"))
    .action(async (name: string | undefined, opts: { group?: string }, cmd: Command) => {
      const { topicLag } = await import("../actions/lag");
      const ctx = commandContext(cmd);
      await topicLag(ctx, name ?? ctx.config.kafka.topic, opts.group ?? ctx.config.consumer.group ?? "stockpipe-cassandra");
    });

  topic
    .command("delete")
    .description("delete a topic and all its messages")
    .argument("<name>", "topic name")
    .option("-y, --yes", "do not ask for confirmation (needed when not on a terminal)")
    .addHelpText("after", examples("stockpipe topic delete old-ticks --yes"))
    .action(async (name: string, opts: { yes?: boolean }, cmd: Command) => {
      const { topicDelete } = await import("../actions/topic");
      await topicDelete(commandContext(cmd), name, Boolean(opts.yes));
    });
}
