/** S3Proxy with its filesystem-nio2 backend: an S3-compatible server keeping objects as files on disk. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { credentialsFile, ensureLocalCredentials, readLocalCredentials } from "../credentials";
import type { StackProfile } from "../profiles";
import type { LocalService, ServiceContext } from "./types";

async function client(ctx: ServiceContext) {
  const { S3Client } = await import("@aws-sdk/client-s3");
  const creds = readLocalCredentials(ctx.stackDir);
  if (!creds) throw new Error(`no local S3 credentials in ${credentialsFile(ctx.stackDir)}`);
  return new S3Client({
    region: ctx.config.s3.region,
    endpoint: `http://127.0.0.1:${ctx.profile.s3.port}`,
    forcePathStyle: true,
    credentials: creds,
    maxAttempts: 1,
  });
}

/**
 * Without a logback configuration on the classpath logback logs everything at DEBUG: Jetty's thread-pool chatter
 * alone grew s3.log to 15 GB over a day of tests and benchmarks, and cost CPU on every request.
 */
const logback = `<configuration scan="false">
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %logger{20} - %msg%n</pattern></encoder>
  </appender>
  <logger name="org.gaul.shaded.org.eclipse.jetty" level="WARN"/>
  <logger name="org.eclipse.jetty" level="WARN"/>
  <logger name="org.jclouds" level="WARN"/>
  <root level="INFO"><appender-ref ref="STDOUT"/></root>
</configuration>
`;

export function s3Service(profile: StackProfile): LocalService {
  return {
    name: "s3",
    group: "s3",
    module: "s3proxy",
    description: "S3Proxy (filesystem-nio2)",
    ports: [{ port: profile.s3.port, setting: "local.s3Port" }],
    endpoint: `http://127.0.0.1:${profile.s3.port}`,
    security: "http, signed requests (AWS Signature V4)",
    startTimeoutMs: 60_000,
    stopGraceMs: 10_000,

    async prepare(ctx) {
      mkdirSync(ctx.dirs.data, { recursive: true });
      const creds = ensureLocalCredentials(ctx.stackDir);
      const props = [
        `s3proxy.endpoint=http://127.0.0.1:${ctx.profile.s3.port}`,
        "s3proxy.authorization=aws-v2-or-v4",
        `s3proxy.identity=${creds.accessKeyId}`,
        `s3proxy.credential=${creds.secretAccessKey}`,
        "jclouds.provider=filesystem-nio2",
        `jclouds.filesystem.basedir=${ctx.dirs.data}`,
        "",
      ].join("\n");
      writeFileSync(join(ctx.dirs.root, "s3proxy.properties"), props, { mode: 0o600 });
      writeFileSync(join(ctx.dirs.root, "logback.xml"), logback);
    },

    javaArgs(ctx, classpath) {
      return [
        "-Xms64m",
        "-Xmx512m",
        `-Dlogback.configurationFile=${join(ctx.dirs.root, "logback.xml")}`,
        "-cp",
        classpath,
        "org.gaul.s3proxy.Main",
        "--properties",
        join(ctx.dirs.root, "s3proxy.properties"),
      ];
    },

    async probe(ctx) {
      const { ListBucketsCommand } = await import("@aws-sdk/client-s3");
      const s3 = await client(ctx);
      try {
        const out = await s3.send(new ListBucketsCommand({}));
        return `S3Proxy, ${out.Buckets?.length ?? 0} bucket(s)`;
      } finally {
        s3.destroy();
      }
    },

    async afterReady(ctx) {
      const { ensureBucket } = await import("../../util/bucket");
      const s3 = await client(ctx);
      try {
        await ensureBucket(s3, ctx.config.s3.bucket);
      } finally {
        s3.destroy();
      }
    },
  };
}
