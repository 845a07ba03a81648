/** The Cassandra driver client from config (TLS, auth, contact points), for Apache Cassandra or Amazon Keyspaces. */
import { readFileSync } from "node:fs";
import cassandra from "cassandra-driver";
import type { ResolvedConfig } from "../../config/schema";
import { defaultCredentials } from "../../util/aws";
import { keyspacesContactPoints, keyspacesRegion, SigV4AuthProvider } from "./keyspaces";

export function createCassandraClient(
  config: ResolvedConfig,
  options: { keyspace?: string; connectTimeoutMs?: number } = {},
): cassandra.Client {
  const c = config.cassandra;
  if (c.flavor === "keyspaces") return new cassandra.Client(keyspacesOptions(config, options));
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

/**
 * Amazon Keyspaces: the region's endpoint over TLS (its certificate names the endpoint, also when the driver
 * connects to the peers' addresses), SigV4 with the AWS credential chain, the region as the data center, and
 * LOCAL_QUORUM — the one write consistency Keyspaces takes.
 */
export function keyspacesOptions(
  config: ResolvedConfig,
  options: { keyspace?: string; connectTimeoutMs?: number } = {},
): cassandra.ClientOptions {
  const c = config.cassandra;
  const region = keyspacesRegion(config);
  const contactPoints = keyspacesContactPoints(config, region);
  const host = contactPoints[0]!.replace(/:\d+$/, "");
  return {
    contactPoints,
    localDataCenter: c.localDataCenter === "datacenter1" ? region : c.localDataCenter,
    keyspace: options.keyspace,
    authProvider: new SigV4AuthProvider(region, defaultCredentials()) as unknown as cassandra.auth.AuthProvider,
    sslOptions: {
      ca: c.tls.ca ? [readFileSync(c.tls.ca)] : undefined,
      host,
      servername: host,
      rejectUnauthorized: c.tls.rejectUnauthorized,
    },
    protocolOptions: { port: 9142 },
    queryOptions: { consistency: cassandra.types.consistencies.localQuorum },
    socketOptions: { connectTimeout: options.connectTimeoutMs ?? 5000, readTimeout: c.requestTimeoutMs },
    policies: { reconnection: new cassandra.policies.reconnection.ConstantReconnectionPolicy(1000) },
  };
}
