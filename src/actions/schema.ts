import type { CommandContext } from "../commands/context";
import { RuntimeError, StockpipeError } from "../errors";
import { cassandraError } from "../sinks/cassandra/errors";
import { schemaStatements } from "../sinks/cassandra/schema";
import { athenaStatements } from "../sinks/s3/athenaDdl";
import { log } from "../ui/log";
import { withSpinner } from "../ui/spinner";

export async function schemaCommand(ctx: CommandContext, target: string, dryRun: boolean, options: { glueCrawler?: boolean } = {}): Promise<void> {
  if (target === "cassandra") return schemaCassandra(ctx, dryRun);
  if (target === "athena") {
    return options.glueCrawler ? schemaCrawler(ctx, dryRun) : schemaAthena(ctx, dryRun);
  }
  return schemaS3(ctx, dryRun);
}

/** --dry-run: the statements as a script, on stdout. */
function printStatements(statements: string[]): void {
  process.stdout.write(statements.map((s) => s + ";").join("\n\n") + "\n");
}

async function schemaCassandra(ctx: CommandContext, dryRun: boolean): Promise<void> {
  const statements = schemaStatements(ctx.config);
  if (dryRun) return printStatements(statements);
  const { createCassandraClient } = await import("../sinks/cassandra/client");
  const { applySchema } = await import("../sinks/cassandra/setup");
  const client = createCassandraClient(ctx.config);
  try {
    await withSpinner(`creating keyspace ${ctx.config.cassandra.keyspace} and its tables`, () => applySchema(client, ctx.config), () => `keyspace ${ctx.config.cassandra.keyspace}: tables ticks and latest_ticks ready`);
  } catch (err) {
    throw cassandraError(err, ctx);
  } finally {
    await client.shutdown().catch(() => {});
  }
}

async function schemaAthena(ctx: CommandContext, dryRun: boolean): Promise<void> {
  const statements = athenaStatements(ctx.config);
  if (dryRun) return printStatements(statements);
  const { createAthenaClient, runAthena } = await import("../query/athena");
  const client = createAthenaClient(ctx.config);
  try {
    for (const sql of statements) {
      await withSpinner(`Athena: ${sql.split("\n")[0]}`, () => runAthena(client, ctx.config, sql));
    }
    const { tableLocation } = await import("../sinks/s3/layout");
    log.success(`Athena table ${ctx.config.athena.database}.${ctx.config.athena.table} over ${tableLocation(ctx.config)} (partition projection on dt)`);
  } catch (err) {
    throw err instanceof RuntimeError ? err : new RuntimeError(`Athena: ${(err as Error).message}`, { hint: "check athena.region, athena.workgroup, athena.outputLocation and the AWS credentials" });
  } finally {
    client.destroy();
  }
}

async function schemaCrawler(ctx: CommandContext, dryRun: boolean): Promise<void> {
  const { crawlerName } = await import("../sinks/s3/glue");
  const { tableLocation } = await import("../sinks/s3/layout");
  if (dryRun) {
    process.stdout.write(`create Glue database ${ctx.config.athena.database} and crawler ${crawlerName(ctx.config)} over ${tableLocation(ctx.config)}, then start it\n`);
    return;
  }
  const { createGlueCrawler } = await import("../sinks/s3/glue");
  try {
    await withSpinner(`Glue crawler over ${tableLocation(ctx.config)}`, () => createGlueCrawler(ctx.config), (r) => `${r.created ? "created" : "updated"} and started Glue crawler ${r.crawler}`);
  } catch (err) {
    if (err instanceof StockpipeError) throw err;
    throw new RuntimeError(`Glue: ${(err as Error).message}`, { hint: "check athena.region, athena.crawlerRole and the AWS credentials" });
  }
}

async function schemaS3(ctx: CommandContext, dryRun: boolean): Promise<void> {
  const bucket = ctx.config.s3.bucket;
  if (dryRun) {
    process.stdout.write(`create bucket ${bucket} at ${ctx.config.s3.endpoint} if it is missing\n`);
    return;
  }
  const { CreateBucketCommand, HeadBucketCommand } = await import("@aws-sdk/client-s3");
  const { createS3Client } = await import("../sinks/s3/client");
  const s3 = createS3Client(ctx.config);
  try {
    await withSpinner(`checking bucket ${bucket}`, async () => {
      const exists = await s3.send(new HeadBucketCommand({ Bucket: bucket })).then(() => true, (e: { $metadata?: { httpStatusCode?: number } }) => {
        if (e.$metadata?.httpStatusCode === 404) return false;
        throw e;
      });
      if (!exists) {
        const region = ctx.config.s3.region;
        await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: ctx.config.s3.endpoint === "aws" && region !== "us-east-1" ? { LocationConstraint: region as never } : undefined }));
      }
      return exists;
    }, (existed) => (existed ? `bucket ${bucket} exists` : `created bucket ${bucket}`));
  } catch (err) {
    throw new RuntimeError(`S3 at ${ctx.config.s3.endpoint}: ${(err as Error).message}`, { hint: "run `stockpipe local up`, or check s3.endpoint and the credentials" });
  } finally {
    s3.destroy();
  }
}
