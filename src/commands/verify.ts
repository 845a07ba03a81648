import type { Command } from "commander";
import { commandContext, flag } from "./context";
import { examples, formatOption } from "./options";

export function registerVerify(program: Command): void {
  program
    .command("verify")
    .description("reconcile, per symbol and trading day, the ticks in Kafka with the rows in Cassandra and the lake; exit 1 on any mismatch")
    .option("--topic <topic>", "topic to check (default: kafka.topic)")
    .option("--since <date>", "only trading days from this date (YYYY-MM-DD)")
    .option("--sinks <list>", "which sinks to check", "cassandra,s3")
    .addOption(formatOption())
    .addHelpText("after", examples("stockpipe verify", "stockpipe verify --since 2024-03-01 --sinks cassandra", "stockpipe verify -f json > report.json"))
    .action(async (opts: { topic?: string; since?: string; sinks: string }, cmd: Command) => {
      const ctx = commandContext(cmd, flag("kafka.topic", opts.topic, "--topic"));
      const { verifyCommand } = await import("../actions/verify");
      await verifyCommand(ctx, { since: opts.since, sinks: opts.sinks.split(",").map((s) => s.trim()).filter(Boolean) });
    });
}
