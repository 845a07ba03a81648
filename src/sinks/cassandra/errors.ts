/** Cassandra driver errors as one line: unreachable nodes with the fix, or the server's own message; and whether a retry can help. */
import cassandra from "cassandra-driver";
import type { LoadedConfig } from "../../config/loader";
import { RuntimeError, StockpipeError } from "../../errors";

const { responseErrorCodes: codes } = cassandra.types;

/** Server answers that repeating the request cannot change: bad CQL, no such table, not allowed, bad credentials. */
const PERMANENT = new Set<number>([
  codes.syntaxError,
  codes.invalid,
  codes.unauthorized,
  codes.configError,
  codes.alreadyExists,
  codes.badCredentials,
  codes.protocolError,
]);

export function cassandraError(err: unknown, loaded: LoadedConfig): StockpipeError {
  if (err instanceof StockpipeError) return err;
  const e = err as Error & { innerErrors?: Record<string, Error>; code?: number };
  const points = loaded.config.cassandra.contactPoints.join(",");
  if (e.name === "NoHostAvailableError") {
    const inner = Object.values(e.innerErrors ?? {})[0]?.message ?? e.message;
    return new RuntimeError(
      `cannot reach Cassandra at ${points} (cassandra.contactPoints from ${loaded.origins.get("cassandra.contactPoints") ?? "default"}): ${inner}`,
      {
        hint: "run `stockpipe local up`, or set STOCKPIPE_CASSANDRA_CONTACT_POINTS",
        retriable: true,
        cause: err,
      },
    );
  }
  const permanent =
    (e.name === "ResponseError" && e.code !== undefined && PERMANENT.has(e.code)) ||
    e.name === "AuthenticationError" ||
    e.name === "ArgumentError";
  return new RuntimeError(`Cassandra: ${e.message}`, { cause: err, retriable: !permanent });
}
