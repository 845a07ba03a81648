/** Apache Cassandra 5.0, one node on 127.0.0.1, with the Java 17 flags of Cassandra's conf/jvm17-server.options. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LocalService, ServiceContext } from "./types";

const STORAGE_PORT = 7000;

function cassandraYaml(ctx: ServiceContext): string {
  const d = ctx.dirs.data;
  return `# Written by stockpipe local up; edits are overwritten.
cluster_name: stockpipe-local
num_tokens: 16
allocate_tokens_for_local_replication_factor: 1
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
authenticator: AllowAllAuthenticator
authorizer: AllowAllAuthorizer
data_file_directories:
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
      - seeds: "127.0.0.1:${STORAGE_PORT}"
listen_address: 127.0.0.1
rpc_address: 127.0.0.1
storage_port: ${STORAGE_PORT}
native_transport_port: ${ctx.config.local.cassandraPort}
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

export const cassandraService: LocalService = {
  name: "cassandra",
  module: "cassandra",
  description: "Apache Cassandra 5.0",
  ports: (c) => [c.local.cassandraPort, STORAGE_PORT],
  endpoint: (c) => `127.0.0.1:${c.local.cassandraPort}`,
  startTimeoutMs: 240_000,
  stopGraceMs: 30_000,

  async prepare(ctx) {
    mkdirSync(ctx.dirs.data, { recursive: true });
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
    const { default: cassandra } = await import("cassandra-driver");
    const client = new cassandra.Client({
      contactPoints: [`127.0.0.1:${ctx.config.local.cassandraPort}`],
      localDataCenter: "datacenter1",
      socketOptions: { connectTimeout: 2000, readTimeout: 5000 },
    });
    try {
      const rs = await client.execute("SELECT release_version FROM system.local");
      return `Cassandra ${rs.first()?.get("release_version") ?? "?"}`;
    } finally {
      await client.shutdown().catch(() => {});
    }
  },
};
