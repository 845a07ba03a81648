import { Option, type Command } from "commander";
import { commandContext, flag } from "./context";
import { examples } from "./options";

export function registerConsume(program: Command): void {
  program
    .command("consume")
    .description("drain the topic into Cassandra (or the S3 lake): bad messages to <topic>.dlq, offsets committed only after rows are durable")
    .addOption(new Option("--sink <sink>", "where ticks go").choices(["cassandra", "s3"]).makeOptionMandatory())
    .option("-g, --group <group>", "consumer group (default: consumer.group, or stockpipe-<sink>)")
    .option("--topic <topic>", "topic to read (default: kafka.topic)")
    .option("--from <where>", "earliest, latest or an ISO time: where a group without offsets starts (default: consumer.from)")
    .option("--reset", "move the group to --from even if it has committed offsets")
    .option("--exit-at-end", "stop once the group has caught up (lag 0), for scripts and tests")
    .option("--batch-size <n>", "rows per sink write (consumer.batchSize)")
    .option("--concurrency <n>", "sink writes in flight (consumer.concurrency)")
    .option("--partitions-concurrently <n>", "Kafka partitions processed in parallel (consumer.partitionsConcurrently)")
    .option("--latency", "measure each row's latency from its event time to its write (write-through sinks) and print p50/p95/p99/max")
    .option("--latency-warmup <duration>", "with --latency: leave out rows within this long of the first one (e.g. 5s)")
    .addOption(new Option("-f, --format <format>", "summary format").choices(["table", "json"]).default("table"))
    .addHelpText(
      "after",
      examples(
        "stockpipe schema cassandra && stockpipe consume --sink cassandra --exit-at-end",
        "stockpipe consume --sink cassandra -g dashboards --from 2024-03-15T13:30:00Z --reset",
        "stockpipe consume --sink cassandra --batch-size 2000 --concurrency 128",
        "stockpipe consume --sink cassandra --from latest --latency   # with: produce --source synthetic --rate 17000",
      ) + "\nCtrl-C finishes the batch in hand, commits it and exits 130. A crash re-reads at most the uncommitted batch; writes are idempotent.\n",
    )
    .action(async (opts: Record<string, string | boolean | undefined>, cmd: Command) => {
      const ctx = commandContext(cmd, [
        ...flag("consumer.group", opts.group, "--group"),
        ...flag("kafka.topic", opts.topic, "--topic"),
        ...flag("consumer.from", opts.from, "--from"),
        ...flag("consumer.batchSize", opts.batchSize, "--batch-size"),
        ...flag("consumer.concurrency", opts.concurrency, "--concurrency"),
        ...flag("consumer.partitionsConcurrently", opts.partitionsConcurrently, "--partitions-concurrently"),
      ]);
      const { consumeCommand } = await import("../actions/consume");
      await consumeCommand(ctx, { sink: String(opts.sink), reset: Boolean(opts.reset), exitAtEnd: Boolean(opts.exitAtEnd), latency: Boolean(opts.latency), latencyWarmup: opts.latencyWarmup as string | undefined });
    });
}
