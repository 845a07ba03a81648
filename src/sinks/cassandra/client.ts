/** The Cassandra driver client from config (TLS, auth, contact points). */
import { readFileSync } from "node:fs";
import cassandra from "cassandra-driver";
import type { ResolvedConfig } from "../../config/schema";

export function createCassandraClient(
  config: ResolvedConfig,
  options: { keyspace?: string; connectTimeoutMs?: number } = {},
): cassandra.Client {
  const c = config.cassandra;
  return new cassandra.Client({
    contactPoints: c.contactPoints,
    localDataCenter: c.localDataCenter,
    keyspace: options.keyspace,
    credentials: c.username && c.password ? { username: c.username, password: c.password } : undefined,
    sslOptions: c.tls.enabled
      ? { ca: c.tls.ca ? [readFileSync(c.tls.ca)] : undefined, rejectUnauthorized: c.tls.rejectUnauthorized }
      : undefined,
    socketOptions: { connectTimeout: options.connectTimeoutMs ?? 5000, readTimeout: c.requestTimeoutMs },
    // A single attempt per contact point: callers decide whether and how to retry.
    policies: { reconnection: new cassandra.policies.reconnection.ConstantReconnectionPolicy(1000) },
  });
}
