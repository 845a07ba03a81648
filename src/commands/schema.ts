import { Argument, type Command } from "commander";
import { commandContext } from "./context";
import { examples } from "./options";

export function registerSchema(program: Command): void {
  program
    .command("schema")
    .description("create the Cassandra keyspace and tables, the S3 bucket, or the Athena table over the lake; safe to run twice")
    .addArgument(new Argument("<target>", "what to set up").choices(["cassandra", "athena", "s3"]))
    .option("--dry-run", "print the statements instead of running them")
    .option("--glue-crawler", "athena: create and start an AWS Glue crawler (athena.crawlerRole) instead of partition projection")
    .addHelpText("after", examples("stockpipe schema cassandra --dry-run", "stockpipe schema cassandra", "stockpipe schema s3", "stockpipe schema athena --dry-run", "STOCKPIPE_ATHENA_OUTPUT_LOCATION=s3://my-results/ stockpipe schema athena"))
    .action(async (target: string, opts: { dryRun?: boolean; glueCrawler?: boolean }, cmd: Command) => {
      const { schemaCommand } = await import("../actions/schema");
      await schemaCommand(commandContext(cmd), target, Boolean(opts.dryRun), { glueCrawler: opts.glueCrawler });
    });
}
