/** Cassandra driver errors as one line: unreachable nodes with the fix, or the server's own message; and whether a retry can help. */
import cassandra from "cassandra-driver";
import type { LoadedConfig } from "../../config/loader";
import { RuntimeError, StockpipeError } from "../../errors";
import { securityProblem, securityWords } from "../../util/security";
import { TABLES } from "./schema";

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

const OUR_TABLES = new Set(TABLES.map((t) => t.name));

export function cassandraError(err: unknown, loaded: LoadedConfig): StockpipeError {
  if (err instanceof StockpipeError) return err;
  const e = err as Error & { innerErrors?: Record<string, Error>; code?: number };
  const points = loaded.config.cassandra.contactPoints.join(",");
  const c = loaded.config.cassandra;
  const firstInner = Object.values(e.innerErrors ?? {})[0];
  const problem = securityProblem(`${firstInner?.name ?? ""} ${firstInner?.message ?? ""} ${e.name} ${e.message}`);
  if (problem) {
    const who = problem === "credentials" ? ` of user ${c.username ?? "(none set)"}` : "";
    return new RuntimeError(`Cassandra at ${points} ${securityWords(problem)}${who}: ${firstInner?.message ?? e.message}`, {
      hint:
        problem === "credentials"
          ? "check cassandra.username and cassandra.password (STOCKPIPE_CASSANDRA_USERNAME, STOCKPIPE_CASSANDRA_PASSWORD)"
          : "set cassandra.tls.ca (STOCKPIPE_CASSANDRA_TLS_CA) to the PEM file of the CA that signed the nodes' certificates",
      retriable: false,
      cause: err,
    });
  }
  // The keyspace or one of stockpipe's tables is not there: `schema cassandra` makes them.
  const missing = /Keyspace '?(\w+)'? does not exist|(?:unconfigured table|table) (\w+) does not exist/i.exec(
    `${firstInner?.message ?? ""} ${e.message}`,
  );
  if (missing && (missing[1] !== undefined || OUR_TABLES.has(missing[2]!))) {
    const what = missing[1] !== undefined ? `keyspace ${missing[1]}` : `table ${c.keyspace}.${missing[2]}`;
    return new RuntimeError(`Cassandra at ${points}: ${what} does not exist`, {
      hint: `create the keyspace and its tables with \`stockpipe schema cassandra\` (cassandra.keyspace from ${loaded.origins.get("cassandra.keyspace") ?? "default"})`,
      retriable: false,
      cause: err,
    });
  }
  if (e.name === "NoHostAvailableError") {
    const inner = firstInner?.message ?? e.message;
    return new RuntimeError(
      `cannot reach Cassandra at ${points} (cassandra.contactPoints from ${loaded.origins.get("cassandra.contactPoints") ?? "default"}): ${inner}`,
      {
        hint:
          !c.tls.enabled && /ECONNRESET|socket hang up/i.test(inner)
            ? "the node closed the connection: if it requires TLS, set cassandra.tls.enabled (and cassandra.tls.ca)"
            : "run `stockpipe local up`, or set STOCKPIPE_CASSANDRA_CONTACT_POINTS",
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
