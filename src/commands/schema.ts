import { Argument, type Command } from "commander";
import { commandContext } from "./context";
import { examples } from "./options";

export function registerSchema(program: Command): void {
  program
    .command("schema")
    .description("create the Cassandra keyspace and tables (Athena/S3 come with the lake issue); safe to run twice")
    .addArgument(new Argument("<target>", "what to set up").choices(["cassandra", "athena", "s3"]))
    .option("--dry-run", "print the statements instead of running them")
    .addHelpText("after", examples("stockpipe schema cassandra --dry-run", "stockpipe schema cassandra", "STOCKPIPE_CASSANDRA_KEYSPACE=market stockpipe schema cassandra"))
    .action(async (target: string, opts: { dryRun?: boolean }, cmd: Command) => {
      const { schemaCommand } = await import("../actions/schema");
      await schemaCommand(commandContext(cmd), target, Boolean(opts.dryRun));
    });
}
