/**
 * Health checks: one probe per configured endpoint, each with a time limit, its round trip, and the likely fix
 * when it fails. `doctor` prints them.
 */
import type { LoadedConfig } from "../config/loader";
import { errorMessage } from "../errors";
import { saslIdentity } from "../kafka/sasl";
import { redact } from "../log";

export interface Check {
  name: string;
  endpoint: string;
  /** How the client connects, from the config: TLS and whether certificates are verified, authentication. */
  security: string;
  required: boolean;
  probe(): Promise<string>;
  fix: string;
}

export interface CheckResult {
  check: string;
  endpoint: string;
  security: string;
  ok: boolean;
  version: string;
  rttMs?: number;
  fix: string;
}

/** TLS (verified against which CA, or not verified), then the authentication, as doctor shows it. */
export function kafkaSecurity(c: LoadedConfig["config"]): string {
  const k = c.kafka;
  const tls = !k.ssl.enabled ? "plaintext" : `TLS (${k.ssl.rejectUnauthorized ? `verified, CA ${k.ssl.ca ?? "system"}` : "NOT verified"})`;
  return k.sasl.mechanism === "none" ? tls : `${tls}, SASL ${saslIdentity(c)}`;
}

export function cassandraSecurity(c: LoadedConfig["config"]): string {
  const t = c.cassandra.tls;
  if (c.cassandra.flavor === "keyspaces") {
    return `Amazon Keyspaces: TLS (${t.rejectUnauthorized ? `verified, CA ${t.ca ?? "system"}` : "NOT verified"}), SigV4 with the AWS credential chain`;
  }
  const tls = !t.enabled ? "plaintext" : `TLS (${t.rejectUnauthorized ? `verified, CA ${t.ca ?? "system"}` : "NOT verified"})`;
  return c.cassandra.username ? `${tls}, password as ${c.cassandra.username}` : `${tls}, no authentication`;
}

export function s3Security(loaded: LoadedConfig): string {
  const c = loaded.config;
  const scheme = c.s3.endpoint === "aws" || c.s3.endpoint.startsWith("https:") ? "https" : "http";
  const from = origin(loaded, "s3.accessKeyId");
  const keys = !c.s3.accessKeyId
    ? "AWS credential chain"
    : from.startsWith("local stack")
      ? "the local stack's key"
      : `key ${c.s3.accessKeyId} from ${from}`;
  return `${scheme}, signed (${keys})`;
}

function origin(loaded: LoadedConfig, path: string): string {
  return loaded.origins.get(path) ?? "default";
}

/** The endpoints the config names: Kafka, Cassandra and S3 always, Athena when any athena.* field is set. */
export function checks(loaded: LoadedConfig): Check[] {
  const c = loaded.config;
  const list: Check[] = [
    {
      name: "kafka",
      endpoint: c.kafka.brokers.join(","),
      security: kafkaSecurity(c),
      required: true,
      fix: `no Kafka at ${c.kafka.brokers.join(",")} (kafka.brokers from ${origin(loaded, "kafka.brokers")}): run \`stockpipe local up\` or set STOCKPIPE_KAFKA_BROKERS`,
      async probe() {
        const { createKafka } = await import("../kafka/client");
        const admin = createKafka(c, { retries: 0 }).admin();
        try {
          await admin.connect();
          const cluster = await admin.describeCluster();
          return `${cluster.brokers.length} broker(s), controller ${cluster.controller}`;
        } finally {
          await admin.disconnect().catch(() => {});
        }
      },
    },
    {
      name: "cassandra",
      endpoint: c.cassandra.contactPoints.join(","),
      security: cassandraSecurity(c),
      required: true,
      fix: `no Cassandra at ${c.cassandra.contactPoints.join(",")} (cassandra.contactPoints from ${origin(loaded, "cassandra.contactPoints")}): run \`stockpipe local up\` or set STOCKPIPE_CASSANDRA_CONTACT_POINTS`,
      async probe() {
        const { createCassandraClient } = await import("../sinks/cassandra/client");
        const client = createCassandraClient(c, { connectTimeoutMs: 3000 });
        try {
          const rs = await client.execute("SELECT release_version FROM system.local");
          return `Cassandra ${rs.first()?.get("release_version") ?? "?"}`;
        } finally {
          await client.shutdown().catch(() => {});
        }
      },
    },
    {
      name: "s3",
      endpoint: `${c.s3.endpoint === "aws" ? `AWS S3 ${c.s3.region}` : c.s3.endpoint} s3://${c.s3.bucket}`,
      security: s3Security(loaded),
      required: true,
      fix: `S3 at ${c.s3.endpoint} (s3.endpoint from ${origin(loaded, "s3.endpoint")}) with bucket ${c.s3.bucket}: run \`stockpipe local up\`, or check s3.endpoint, the credentials and that the bucket exists`,
      async probe() {
        const { HeadBucketCommand } = await import("@aws-sdk/client-s3");
        const { createS3Client } = await import("../sinks/s3/client");
        const s3 = createS3Client(c);
        try {
          const out = await s3.send(new HeadBucketCommand({ Bucket: c.s3.bucket }));
          return `bucket ${c.s3.bucket} found${out.BucketRegion ? ` in ${out.BucketRegion}` : ""}`;
        } catch (err) {
          const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
          if (e.$metadata?.httpStatusCode === 404) throw new Error(`bucket ${c.s3.bucket} does not exist`);
          if (e.$metadata?.httpStatusCode === 403) throw new Error(`access to bucket ${c.s3.bucket} denied (check the credentials)`);
          throw err;
        } finally {
          s3.destroy();
        }
      },
    },
  ];
  const athenaConfigured = [...loaded.origins].some(([path, o]) => path.startsWith("athena.") && o !== "default");
  const chainUsers = [
    ...(c.s3.accessKeyId ? [] : ["s3"]),
    ...(athenaConfigured ? ["athena", "glue"] : []),
    ...(c.kafka.sasl.mechanism === "aws-msk-iam" ? ["kafka (MSK IAM)"] : []),
    ...(c.cassandra.flavor === "keyspaces" ? ["cassandra (Keyspaces)"] : []),
  ];
  if (chainUsers.length > 0) {
    list.push({
      name: "aws",
      endpoint: "AWS default credential chain",
      security: `signs ${chainUsers.join(", ")}`,
      required: true,
      fix: "no AWS credentials found: set AWS_PROFILE (a profile of ~/.aws/credentials or ~/.aws/config, `aws sso login` for SSO), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run on a host with an instance or task role; or set s3.accessKeyId and s3.secretAccessKey",
      async probe() {
        const { defaultCredentials, describeCredentials } = await import("../util/aws");
        return describeCredentials(await defaultCredentials()());
      },
    });
  }
  if (athenaConfigured) {
    list.push({
      name: "athena",
      endpoint: c.athena.endpoint === "aws" ? `AWS Athena ${c.athena.region}` : c.athena.endpoint,
      security: c.athena.endpoint === "aws" || c.athena.endpoint.startsWith("https:") ? "https, signed" : "http, signed",
      required: true,
      fix: `Athena workgroup ${c.athena.workgroup} in ${c.athena.region}: check athena.region, athena.workgroup and the AWS credentials`,
      async probe() {
        const { AthenaClient, GetWorkGroupCommand } = await import("@aws-sdk/client-athena");
        const { defaultCredentials } = await import("../util/aws");
        const athena = new AthenaClient({
          credentials: defaultCredentials(),
          region: c.athena.region,
          endpoint: c.athena.endpoint === "aws" ? undefined : c.athena.endpoint,
          maxAttempts: 1,
        });
        try {
          const wg = await athena.send(new GetWorkGroupCommand({ WorkGroup: c.athena.workgroup }));
          return `workgroup ${wg.WorkGroup?.Name ?? c.athena.workgroup} ${wg.WorkGroup?.State ?? ""}`.trim();
        } finally {
          athena.destroy();
        }
      },
    });
  }
  return list;
}

export async function runCheck(check: Check): Promise<CheckResult> {
  const started = performance.now();
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("no answer within 10s")), 10_000).unref());
  try {
    const version = await Promise.race([check.probe(), timeout]);
    return {
      check: check.name,
      endpoint: redact(check.endpoint),
      security: check.security,
      ok: true,
      version,
      rttMs: Math.round(performance.now() - started),
      fix: "",
    };
  } catch (err) {
    return {
      check: check.name,
      endpoint: redact(check.endpoint),
      security: check.security,
      ok: false,
      version: redact(errorMessage(err).split("\n")[0]!).slice(0, 120),
      fix: redact(check.fix),
    };
  }
}
