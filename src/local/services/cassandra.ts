/**
 * Apache Cassandra 5.0, one node on 127.0.0.1, with the Java 17 flags of Cassandra's conf/jvm17-server.options.
 * Secure profile: PasswordAuthenticator, the default role replaced by the stack's own superuser, client TLS.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type cassandraDriver from "cassandra-driver";
import type { StackProfile } from "../profiles";
import { ensureSecrets, type Login, readSecrets } from "../secrets";
import { ensureTls, readPem, tlsFiles } from "../tls";
import type { LocalService, ServiceContext } from "./types";

/** The role Cassandra makes on first start when PasswordAuthenticator is on; the secure profile disables it. */
const DEFAULT_ROLE: Login = { username: "cassandra", password: "cassandra" };

function securityYaml(ctx: ServiceContext): string {
  if (!ctx.profile.cassandra.secure) return "authenticator: AllowAllAuthenticator\nauthorizer: AllowAllAuthorizer\n";
  const tls = tlsFiles(ctx.stackDir);
  return `authenticator: PasswordAuthenticator
authorizer: AllowAllAuthorizer
role_manager: CassandraRoleManager
client_encryption_options:
  enabled: true
  optional: false
  ssl_context_factory:
    class_name: org.apache.cassandra.security.PEMBasedSslContextFactory
  keystore: ${tls.keyAndChain}
  truststore: ${tls.ca}
  require_client_auth: false
`;
}

function cassandraYaml(ctx: ServiceContext): string {
  const d = ctx.dirs.data;
  const { port, storagePort } = ctx.profile.cassandra;
  return `# Written by stockpipe local up; edits are overwritten.
cluster_name: stockpipe-local
num_tokens: 16
allocate_tokens_for_local_replication_factor: 1
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
${securityYaml(ctx)}data_file_directories:
  - ${d}/data
commitlog_directory: ${d}/commitlog
saved_caches_directory: ${d}/saved_caches
hints_directory: ${d}/hints
cdc_raw_directory: ${d}/cdc_raw
commitlog_sync: periodic
commitlog_sync_period: 10000ms
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "127.0.0.1:${storagePort}"
listen_address: 127.0.0.1
rpc_address: 127.0.0.1
storage_port: ${storagePort}
native_transport_port: ${port}
start_native_transport: true
endpoint_snitch: SimpleSnitch
concurrent_reads: 32
concurrent_writes: 32
concurrent_counter_writes: 32
memtable_allocation_type: offheap_objects
disk_failure_policy: stop
commit_failure_policy: stop
read_request_timeout: 5000ms
write_request_timeout: 5000ms
range_request_timeout: 10000ms
request_timeout: 10000ms
batch_size_warn_threshold: 64KiB
batch_size_fail_threshold: 640KiB
`;
}

const logback = `<configuration scan="false">
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern></encoder>
  </appender>
  <logger name="org.apache.cassandra.utils.StatusLogger" level="WARN"/>
  <root level="INFO"><appender-ref ref="STDOUT"/></root>
</configuration>
`;

/** From Cassandra's conf/jvm17-server.options (G1 and the module opens its internals need on Java 17). */
const JVM17 = [
  "-XX:+UseG1GC",
  "-XX:+ParallelRefProcEnabled",
  "-XX:MaxTenuringThreshold=1",
  "-XX:G1HeapRegionSize=16m",
  "-XX:G1RSetUpdatingPauseTimePercent=5",
  "-XX:MaxGCPauseMillis=300",
  "-XX:InitiatingHeapOccupancyPercent=70",
  "-Djdk.attach.allowAttachSelf=true",
  ...[
    "java.base/jdk.internal.misc",
    "java.management.rmi/com.sun.jmx.remote.internal.rmi",
    "java.rmi/sun.rmi.registry",
    "java.rmi/sun.rmi.server",
    "java.sql/java.sql",
    "java.base/java.lang.ref",
    "jdk.unsupported/sun.misc",
    "jdk.compiler/com.sun.tools.javac.file",
    "jdk.attach/sun.tools.attach",
  ].flatMap((p) => ["--add-exports", `${p}=ALL-UNNAMED`]),
  ...[
    "java.base/java.lang.module",
    "java.base/jdk.internal.loader",
    "java.base/jdk.internal.ref",
    "java.base/jdk.internal.reflect",
    "java.base/jdk.internal.math",
    "java.base/jdk.internal.module",
    "java.base/jdk.internal.util.jar",
    "jdk.management/com.sun.management.internal",
    "java.base/sun.nio.ch",
    "java.base/java.io",
    "java.base/java.lang.reflect",
    "jdk.compiler/com.sun.tools.javac",
    "java.base/java.lang",
    "java.base/java.util",
  ].flatMap((p) => ["--add-opens", `${p}=ALL-UNNAMED`]),
  "-Dio.netty.tryReflectionSetAccessible=true",
  "-Dio.netty.allocator.useCacheForAllThreads=true",
  "-Dio.netty.allocator.maxOrder=11",
];

/** A driver client for the local node, as `login` when given, over TLS that trusts the stack's CA when secure. */
async function localClient(ctx: ServiceContext, login?: Login): Promise<cassandraDriver.Client> {
  const { default: cassandra } = await import("cassandra-driver");
  return new cassandra.Client({
    contactPoints: [`127.0.0.1:${ctx.profile.cassandra.port}`],
    localDataCenter: "datacenter1",
    credentials: login,
    sslOptions: ctx.profile.cassandra.secure ? { ca: [readPem(tlsFiles(ctx.stackDir).ca)], rejectUnauthorized: true } : undefined,
    socketOptions: { connectTimeout: 2000, readTimeout: 5000 },
  });
}

async function releaseVersion(ctx: ServiceContext, login?: Login): Promise<string> {
  const client = await localClient(ctx, login);
  try {
    const rs = await client.execute("SELECT release_version FROM system.local");
    return `Cassandra ${rs.first()?.get("release_version") ?? "?"}`;
  } finally {
    await client.shutdown().catch(() => {});
  }
}

export function cassandraService(profile: StackProfile): LocalService {
  const secure = profile.cassandra.secure;
  return {
    name: "cassandra",
    group: "cassandra",
    module: "cassandra",
    description: "Apache Cassandra 5.0",
    ports: [
      { port: profile.cassandra.port, setting: "local.cassandraPort" },
      { port: profile.cassandra.storagePort, setting: "local.cassandraStoragePort" },
    ],
    endpoint: `127.0.0.1:${profile.cassandra.port}`,
    security: secure ? `TLS (CA ${tlsFiles(profile.dir).ca}) + password` : "plaintext, no authentication",
    startTimeoutMs: 240_000,
    stopGraceMs: 30_000,

    async prepare(ctx) {
      mkdirSync(ctx.dirs.data, { recursive: true });
      if (secure) {
        await ensureTls(ctx.stackDir);
        ensureSecrets(ctx.stackDir);
      }
      writeFileSync(join(ctx.dirs.root, "cassandra.yaml"), cassandraYaml(ctx));
      writeFileSync(join(ctx.dirs.root, "logback.xml"), logback);
    },

    javaArgs(ctx, classpath) {
      const jamm = classpath.split(":").find((jar) => /\/jamm-[^/]+\.jar$/.test(jar));
      return [
        "-Xms1g",
        "-Xmx2g",
        "-Xss256k",
        ...JVM17,
        ...(jamm ? [`-javaagent:${jamm}`] : []),
        `-Dcassandra.config=file://${join(ctx.dirs.root, "cassandra.yaml")}`,
        `-Dcassandra.storagedir=${ctx.dirs.data}`,
        `-Dcassandra.logdir=${ctx.dirs.root}`,
        `-Dlogback.configurationFile=${join(ctx.dirs.root, "logback.xml")}`,
        "-Dcassandra-foreground=yes",
        // One node: nothing to gossip with, so do not wait for gossip to settle.
        "-Dcassandra.skip_wait_for_gossip_to_settle=0",
        "-Dcassandra.ring_delay_ms=100",
        "-Dcassandra.superuser_setup_delay_ms=0",
        "-cp",
        classpath,
        "org.apache.cassandra.service.CassandraDaemon",
      ];
    },

    async probe(ctx) {
      if (!secure) return releaseVersion(ctx);
      const secrets = readSecrets(ctx.stackDir);
      try {
        return await releaseVersion(ctx, secrets?.cassandra);
      } catch (err) {
        // Before the first `up` has replaced it, only the default role exists.
        if ((err as Error).name !== "AuthenticationError" && !/Authentication/i.test((err as Error).message)) throw err;
        return releaseVersion(ctx, DEFAULT_ROLE);
      }
    },

    /** Secure: the stack's own superuser replaces the well-known default role, which can no longer log in. */
    async afterReady(ctx) {
      if (!secure) return;
      const login = ensureSecrets(ctx.stackDir).cassandra;
      const asOwn = await localClient(ctx, login);
      try {
        await asOwn.connect();
        await disableDefaultRole(asOwn);
        return;
      } catch (err) {
        if (!/Authentication|credentials|Provided username/i.test((err as Error).message)) throw err;
      } finally {
        await asOwn.shutdown().catch(() => {});
      }
      const asDefault = await localClient(ctx, DEFAULT_ROLE);
      try {
        // Role options take literals, not bind markers; the generated password is base64url (nothing to escape).
        await asDefault.execute(
          `CREATE ROLE IF NOT EXISTS "${login.username}" WITH PASSWORD = '${login.password}' AND SUPERUSER = true AND LOGIN = true`,
        );
      } finally {
        await asDefault.shutdown().catch(() => {});
      }
      const own = await localClient(ctx, login);
      try {
        await disableDefaultRole(own);
      } finally {
        await own.shutdown().catch(() => {});
      }
    },
  };
}

async function disableDefaultRole(client: cassandraDriver.Client): Promise<void> {
  const rs = await client.execute("SELECT can_login FROM system_auth.roles WHERE role = ?", [DEFAULT_ROLE.username], { prepare: true });
  if (rs.first()?.get("can_login") === false) return;
  await client.execute(
    `ALTER ROLE "${DEFAULT_ROLE.username}" WITH PASSWORD = '${randomBytes(24).toString("base64url")}' AND SUPERUSER = false AND LOGIN = false`,
  );
}
