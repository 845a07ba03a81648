/**
 * What a client needs to reach a local stack's profile, as STOCKPIPE_* variables: endpoints, and for the
 * secure profile the CA to trust and the generated users. `local env` prints them; tests use them as they are.
 */
import type { LoadedConfig } from "../config/loader";
import type { ResolvedConfig } from "../config/schema";
import { readLocalCredentials } from "./credentials";
import { kafkaBootstrap, stackProfile } from "./profiles";
import { readSecrets } from "./secrets";
import { tlsFiles } from "./tls";

export interface ClientEnv {
  env: Record<string, string>;
  /** What is not there yet (the stack has not been started): the lines that need it are left out. */
  missing: string[];
}

export function clientEnv(config: ResolvedConfig): ClientEnv {
  const profile = stackProfile(config);
  const env: Record<string, string> = {};
  const missing: string[] = [];
  env.STOCKPIPE_KAFKA_BROKERS = kafkaBootstrap(profile).join(",");
  if (profile.kafka.replicationFactor > 1) env.STOCKPIPE_KAFKA_REPLICATION_FACTOR = String(profile.kafka.replicationFactor);
  const secrets = readSecrets(profile.dir);
  const ca = tlsFiles(profile.dir).ca;
  if (profile.kafka.security === "sasl_ssl") {
    env.STOCKPIPE_KAFKA_SSL_ENABLED = "true";
    env.STOCKPIPE_KAFKA_SSL_CA = ca;
    env.STOCKPIPE_KAFKA_SASL_MECHANISM = "scram-sha-512";
    if (secrets) {
      env.STOCKPIPE_KAFKA_SASL_USERNAME = secrets.kafka.username;
      env.STOCKPIPE_KAFKA_SASL_PASSWORD = secrets.kafka.password;
    } else missing.push("the Kafka user");
  }
  env.STOCKPIPE_CASSANDRA_CONTACT_POINTS = `127.0.0.1:${profile.cassandra.port}`;
  env.STOCKPIPE_CASSANDRA_LOCAL_DATA_CENTER = "datacenter1";
  if (profile.cassandra.secure) {
    env.STOCKPIPE_CASSANDRA_TLS_ENABLED = "true";
    env.STOCKPIPE_CASSANDRA_TLS_CA = ca;
    if (secrets) {
      env.STOCKPIPE_CASSANDRA_USERNAME = secrets.cassandra.username;
      env.STOCKPIPE_CASSANDRA_PASSWORD = secrets.cassandra.password;
    } else missing.push("the Cassandra user");
  }
  env.STOCKPIPE_S3_ENDPOINT = `http://127.0.0.1:${profile.s3.port}`;
  env.STOCKPIPE_S3_BUCKET = config.s3.bucket;
  env.STOCKPIPE_S3_FORCE_PATH_STYLE = "true";
  const creds = readLocalCredentials(profile.dir);
  if (creds) {
    env.STOCKPIPE_S3_ACCESS_KEY_ID = creds.accessKeyId;
    env.STOCKPIPE_S3_SECRET_ACCESS_KEY = creds.secretAccessKey;
  } else missing.push("the S3 credentials");
  return { env, missing };
}

/** A value as one shell word. */
export function shellWord(value: string): string {
  return /^[A-Za-z0-9_./:,@=+-]*$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * For a command that runs on the local stack it started (the demo): the stack's own endpoints for Kafka, Cassandra
 * and S3 wherever the user set none, so moving the stack's ports (local.kafkaPort …) moves its clients too.
 */
export function withLocalEndpoints(loaded: LoadedConfig): LoadedConfig {
  const profile = stackProfile(loaded.config);
  const { kafka, cassandra, s3 } = loaded.config;
  const origin = `local stack (${profile.name} profile)`;
  const fill = (path: string, apply: () => void) => {
    if ((loaded.origins.get(path) ?? "default") !== "default") return;
    apply();
    loaded.origins.set(path, origin);
  };
  fill("kafka.brokers", () => (kafka.brokers = kafkaBootstrap(profile)));
  fill("cassandra.contactPoints", () => (cassandra.contactPoints = [`127.0.0.1:${profile.cassandra.port}`]));
  fill("s3.endpoint", () => (s3.endpoint = `http://127.0.0.1:${profile.s3.port}`));
  return loaded;
}
