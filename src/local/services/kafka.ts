/** Apache Kafka 3.9, KRaft mode, one combined broker/controller on 127.0.0.1. */

import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { RuntimeError } from "../../errors";
import { javaCommand } from "../process";
import type { LocalService, ServiceContext } from "./types";

const run = promisify(execFile);

function serverProperties(ctx: ServiceContext): string {
  const port = ctx.config.local.kafkaPort;
  const controller = port + 1;
  return [
    "process.roles=broker,controller",
    "node.id=1",
    `controller.quorum.voters=1@127.0.0.1:${controller}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    "controller.listener.names=CONTROLLER",
    "inter.broker.listener.name=PLAINTEXT",
    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
    `log.dirs=${ctx.dirs.data}`,
    "num.partitions=1",
    // Topics are created on purpose (`stockpipe topic create`), never by a typo in --topic.
    "auto.create.topics.enable=false",
    "offsets.topic.replication.factor=1",
    "offsets.topic.num.partitions=10",
    "transaction.state.log.replication.factor=1",
    "transaction.state.log.min.isr=1",
    "group.initial.rebalance.delay.ms=0",
    "num.network.threads=3",
    "num.io.threads=4",
    "log.retention.hours=168",
    "",
  ].join("\n");
}

const log4j = [
  "log4j.rootLogger=INFO, stdout",
  "log4j.appender.stdout=org.apache.log4j.ConsoleAppender",
  "log4j.appender.stdout.layout=org.apache.log4j.PatternLayout",
  "log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n",
  "log4j.logger.state.change.logger=WARN",
  "log4j.logger.kafka.request.logger=WARN",
  "log4j.logger.org.apache.kafka.clients=WARN",
  "",
].join("\n");

export const kafkaService: LocalService = {
  name: "kafka",
  module: "kafka",
  description: "Apache Kafka 3.9 (KRaft)",
  ports: (c) => [c.local.kafkaPort, c.local.kafkaPort + 1],
  endpoint: (c) => `127.0.0.1:${c.local.kafkaPort}`,
  startTimeoutMs: 90_000,
  stopGraceMs: 30_000,

  async prepare(ctx, classpath) {
    mkdirSync(ctx.dirs.data, { recursive: true });
    const props = join(ctx.dirs.root, "server.properties");
    writeFileSync(props, serverProperties(ctx));
    writeFileSync(join(ctx.dirs.root, "log4j.properties"), log4j);
    if (existsSync(join(ctx.dirs.data, "meta.properties"))) return;
    // A cluster id is 16 random bytes, base64url without padding.
    const clusterId = randomBytes(16).toString("base64url");
    try {
      await run(
        javaCommand(),
        [
          "-cp",
          classpath,
          `-Dlog4j.configuration=file:${join(ctx.dirs.root, "log4j.properties")}`,
          "kafka.tools.StorageTool",
          "format",
          "-t",
          clusterId,
          "-c",
          props,
        ],
        {
          maxBuffer: 4 * 1024 * 1024,
        },
      );
    } catch (err) {
      const e = err as { stderr?: string; stdout?: string; message: string };
      throw new RuntimeError(
        `formatting Kafka's storage in ${ctx.dirs.data} failed: ${(e.stderr || e.stdout || e.message).trim().split("\n").pop()}`,
      );
    }
  },

  javaArgs(ctx, classpath) {
    return [
      "-Xms256m",
      "-Xmx1g",
      "-XX:+UseG1GC",
      "-XX:MaxGCPauseMillis=20",
      "-Djava.awt.headless=true",
      `-Dlog4j.configuration=file:${join(ctx.dirs.root, "log4j.properties")}`,
      `-Dkafka.logs.dir=${ctx.dirs.root}`,
      "-cp",
      classpath,
      "kafka.Kafka",
      join(ctx.dirs.root, "server.properties"),
    ];
  },

  async probe(ctx) {
    const { Kafka, logLevel } = await import("kafkajs");
    const kafka = new Kafka({
      clientId: "stockpipe-local",
      brokers: [`127.0.0.1:${ctx.config.local.kafkaPort}`],
      connectionTimeout: 1000,
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      return `cluster ${cluster.clusterId}, ${cluster.brokers.length} broker`;
    } finally {
      await admin.disconnect().catch(() => {});
    }
  },
};
