/** Cassandra driver errors as one line: unreachable nodes with the fix, or the server's own message. */
import type { CommandContext } from "../../commands/context";
import { RuntimeError, StockpipeError } from "../../errors";

export function cassandraError(err: unknown, ctx: CommandContext): StockpipeError {
  if (err instanceof StockpipeError) return err;
  const e = err as Error & { innerErrors?: Record<string, Error>; code?: number };
  const points = ctx.config.cassandra.contactPoints.join(",");
  if (e.name === "NoHostAvailableError") {
    const inner = Object.values(e.innerErrors ?? {})[0]?.message ?? e.message;
    return new RuntimeError(`cannot reach Cassandra at ${points} (cassandra.contactPoints from ${ctx.loaded.origins.get("cassandra.contactPoints") ?? "default"}): ${inner}`, {
      hint: "run `stockpipe local up`, or set STOCKPIPE_CASSANDRA_CONTACT_POINTS",
      retriable: true,
      cause: err,
    });
  }
  if (e.name === "ResponseError") return new RuntimeError(`Cassandra: ${e.message}`, { cause: err });
  return new RuntimeError(`Cassandra: ${e.message}`, { cause: err });
}
