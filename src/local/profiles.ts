/**
 * The local stack's profiles. Each is a whole stack of real services with its own folder and ports, so they
 * can run side by side:
 * - `default`: one Kafka broker, Cassandra and S3Proxy, plaintext, on local.kafkaPort/cassandraPort/s3Port.
 * - `secure`: the same services secured: Kafka on a SASL_SSL listener (SCRAM-SHA-512), Cassandra with
 *   PasswordAuthenticator and client TLS, certificates from a CA made for the stack; ports +100.
 * - `cluster`: three Kafka brokers in KRaft (each broker and controller) with replication factor 3 and
 *   min.insync.replicas 2 by default, plus Cassandra and S3Proxy; ports +200.
 */
import { join } from "node:path";
import type { ResolvedConfig } from "../config/schema";

/** The Apache Kafka lines the stack can run, and the release of each (stack/kafka/pom.xml, stack/kafka-3.9/pom.xml). */
export const KAFKA_RELEASES = { "4.4": "4.4.0", "3.9": "3.9.2" } as const;
export type KafkaVersion = keyof typeof KAFKA_RELEASES;

export const PROFILE_NAMES = ["default", "secure", "cluster"] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

export interface KafkaNode {
  /** node.id, from 1. */
  id: number;
  /** The client listener. */
  port: number;
  controllerPort: number;
}

export interface StackProfile {
  name: ProfileName;
  /** Where the profile's services keep state, data and logs. */
  dir: string;
  kafka: {
    /** The Apache Kafka line it runs (local.kafkaVersion). */
    version: KafkaVersion;
    nodes: KafkaNode[];
    security: "plaintext" | "sasl_ssl";
    /** Default replication factor and min.insync.replicas of new topics (and of Kafka's own topics). */
    replicationFactor: number;
    minInsyncReplicas: number;
    /** Whether the SASL_SSL listener also takes OAUTHBEARER tokens, and how it checks them (local.oauth). */
    oauth?: { jwksUrl: string; audience: string; issuer: string };
  };
  cassandra: { port: number; storagePort: number; secure: boolean };
  s3: { port: number };
}

const OFFSET: Record<ProfileName, number> = { default: 0, secure: 100, cluster: 200 };

export function stackProfile(config: ResolvedConfig, name: ProfileName = config.local.profile): StackProfile {
  const l = config.local;
  const off = OFFSET[name];
  const brokers = name === "cluster" ? 3 : 1;
  return {
    name,
    dir: name === "default" ? l.dir : join(l.dir, name),
    kafka: {
      version: l.kafkaVersion,
      nodes: Array.from({ length: brokers }, (_, i) => ({
        id: i + 1,
        port: l.kafkaPort + off + 2 * i,
        controllerPort: l.kafkaPort + off + 2 * i + 1,
      })),
      security: name === "secure" ? "sasl_ssl" : "plaintext",
      replicationFactor: brokers,
      minInsyncReplicas: brokers > 1 ? 2 : 1,
      ...(name === "secure" && l.oauth.jwksUrl
        ? { oauth: { jwksUrl: l.oauth.jwksUrl, audience: l.oauth.audience, issuer: l.oauth.issuer ?? new URL(l.oauth.jwksUrl).origin } }
        : {}),
    },
    cassandra: { port: l.cassandraPort + off, storagePort: l.cassandraStoragePort + off, secure: name === "secure" },
    s3: { port: l.s3Port + off },
  };
}

export function kafkaBootstrap(profile: StackProfile): string[] {
  return profile.kafka.nodes.map((n) => `127.0.0.1:${n.port}`);
}

/** The SCRAM mechanism of the secure profile's Kafka listener. */
export const SCRAM_MECHANISM = "SCRAM-SHA-512";
