import type { CommandContext } from "../commands/context";
import { RuntimeError } from "../errors";
import { schemaStatements } from "../sinks/cassandra/schema";
import { withSpinner } from "../ui/spinner";
import { cassandraError } from "../sinks/cassandra/errors";

export async function schemaCommand(ctx: CommandContext, target: string, dryRun: boolean): Promise<void> {
  if (target !== "cassandra") throw new RuntimeError(`\`stockpipe schema ${target}\` is not built yet`, { hint: "`stockpipe schema cassandra` works today" });
  const statements = schemaStatements(ctx.config);
  if (dryRun) {
    process.stdout.write(statements.map((s) => s + ";").join("\n\n") + "\n");
    return;
  }
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
