import { Argument, type Command } from "commander";
import { RuntimeError, StockpipeError } from "../errors";
import { log } from "../log";
import { withSpinner } from "../ui/spinner";
import { type CommandContext, commandContext } from "./context";
import { withFlagNames } from "./fields";
import { examples } from "./options";

export function registerSchema(program: Command): void {
  program
    .command("schema")
    .description("create the Cassandra keyspace and tables, the S3 bucket, or the Athena table over the lake; safe to run twice")
    .addArgument(new Argument("<target>", "what to set up").choices(["cassandra", "athena", "s3"]))
    .option("--dry-run", "print the statements instead of running them")
    .option("--glue-crawler", "athena: create and start an AWS Glue crawler (athena.crawlerRole) instead of partition projection")
    .addHelpText(
      "after",
      examples(
        "stockpipe schema cassandra --dry-run",
        "stockpipe schema cassandra",
        "stockpipe schema s3",
        "stockpipe schema athena --dry-run",
        "STOCKPIPE_ATHENA_OUTPUT_LOCATION=s3://my-results/ stockpipe schema athena",
      ),
    )
    .action(async (target: string, opts: { dryRun?: boolean; glueCrawler?: boolean }, cmd: Command) => {
      const ctx = commandContext(cmd);
      const dryRun = Boolean(opts.dryRun);
      if (target === "cassandra") return schemaCassandra(ctx, dryRun);
      if (target === "athena") return opts.glueCrawler ? schemaCrawler(ctx, dryRun) : schemaAthena(ctx, dryRun);
      return schemaS3(ctx, dryRun);
    });
}

/** --dry-run: the statements as a script, on stdout. */
function printStatements(statements: string[]): void {
  process.stdout.write(`${statements.map((s) => `${s};`).join("\n\n")}\n`);
}

async function schemaCassandra(ctx: CommandContext, dryRun: boolean): Promise<void> {
  const { schemaStatements } = await import("../sinks/cassandra/schema");
  if (dryRun) return printStatements(schemaStatements(ctx.config));
  const { createCassandraClient } = await import("../sinks/cassandra/client");
  const { applySchema } = await import("../sinks/cassandra/setup");
  const { cassandraError } = await import("../sinks/cassandra/errors");
  const ks = ctx.config.cassandra.keyspace;
  const client = createCassandraClient(ctx.config);
  try {
    await withSpinner(
      `creating keyspace ${ks} and its tables`,
      () => applySchema(client, ctx.config),
      ({ added }) =>
        `keyspace ${ks}: tables ticks, latest_ticks, bars and alerts ready${added.length ? ` (added column${added.length > 1 ? "s" : ""} ${added.join(", ")})` : ""}`,
    );
  } catch (err) {
    throw cassandraError(err, ctx.loaded);
  } finally {
    await client.shutdown().catch(() => {});
  }
}

async function schemaAthena(ctx: CommandContext, dryRun: boolean): Promise<void> {
  const { athenaStatements } = await import("../sinks/s3/athenaDdl");
  const statements = athenaStatements(ctx.config);
  if (dryRun) return printStatements(statements);
  const { athenaError, createAthenaClient, runAthena } = await import("../query/athena");
  const { tableLocation } = await import("../sinks/s3/layout");
  const client = createAthenaClient(ctx.config);
  try {
    for (const sql of statements) await withSpinner(`Athena: ${sql.split("\n")[0]}`, () => runAthena(client, ctx.config, sql));
    const a = ctx.config.athena;
    log.success(
      `Athena tables ${a.database}.${a.table}, ${a.barsTable} and ${a.alertsTable} over ${tableLocation(ctx.config).replace(/ticks\/$/, "")}{ticks,bars,alerts}/ (partition projection on dt, and interval for bars)`,
    );
  } catch (err) {
    throw athenaError(err, "check athena.region, athena.workgroup, athena.outputLocation and the AWS credentials");
  } finally {
    client.destroy();
  }
}

async function schemaCrawler(ctx: CommandContext, dryRun: boolean): Promise<void> {
  const { crawlerName, createGlueCrawler } = await import("../sinks/s3/glue");
  const { tableLocation } = await import("../sinks/s3/layout");
  if (dryRun) {
    process.stdout.write(
      `create Glue database ${ctx.config.athena.database} and crawler ${crawlerName(ctx.config)} over ${tableLocation(ctx.config)}, then start it\n`,
    );
    return;
  }
  try {
    await withSpinner(
      `Glue crawler over ${tableLocation(ctx.config)}`,
      () => withFlagNames({ crawler: "--glue-crawler" }, () => createGlueCrawler(ctx.config)),
      (r) => `${r.created ? "created" : "updated"} and started Glue crawler ${r.crawler}`,
    );
  } catch (err) {
    if (err instanceof StockpipeError) throw err;
    throw new RuntimeError(`Glue: ${(err as Error).message}`, {
      hint: "check athena.region, athena.crawlerRole and the AWS credentials",
      cause: err,
    });
  }
}

async function schemaS3(ctx: CommandContext, dryRun: boolean): Promise<void> {
  const { bucket, endpoint, region } = ctx.config.s3;
  if (dryRun) {
    process.stdout.write(`create bucket ${bucket} at ${endpoint} if it is missing\n`);
    return;
  }
  const { createS3Client } = await import("../sinks/s3/client");
  const { ensureBucket } = await import("../util/bucket");
  const { s3Error } = await import("../sinks/s3/errors");
  const s3 = createS3Client(ctx.config);
  try {
    await withSpinner(
      `checking bucket ${bucket}`,
      () => ensureBucket(s3, bucket, endpoint === "aws" ? region : undefined),
      (r) => (r === "exists" ? `bucket ${bucket} exists` : `created bucket ${bucket}`),
    );
  } catch (err) {
    throw s3Error(err, ctx.loaded, `create bucket ${bucket}`);
  } finally {
    s3.destroy();
  }
}
