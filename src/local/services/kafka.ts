/**
 * Apache Kafka in KRaft mode: each node a combined broker and controller on 127.0.0.1; one node, or a cluster's.
 * Kafka 4.4 by default (logging through log4j2), 3.9 with local.kafkaVersion "3.9" (reload4j). A node's data
 * remembers the line that last ran it: 4.4 starts on 3.9's data as it is (Kafka's rolling upgrade: topics,
 * offsets and transactions kept); 3.9 refuses data 4.4 has run, with the way to start fresh.
 */

import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { RuntimeError } from "../../errors";
import { javaCommand } from "../process";
import { KAFKA_RELEASES, type KafkaNode, type KafkaVersion, SCRAM_MECHANISM, type StackProfile } from "../profiles";
import { ensureSecrets, type Login, readSecrets, type StackSecrets } from "../secrets";
import { ensureTls, readPem, tlsFiles } from "../tls";
import type { LocalService, ServiceContext } from "./types";

const run = promisify(execFile);

/** A PEM text as a java.util.Properties value: one line, newlines escaped. */
function propertyPem(pem: string): string {
  return pem.trim().replace(/\r?\n/g, "\\n");
}

function serverProperties(ctx: ServiceContext, node: KafkaNode): string {
  const { kafka } = ctx.profile;
  const secure = kafka.security === "sasl_ssl";
  const listener = secure ? "SASL_SSL" : "PLAINTEXT";
  const lines = [
    "process.roles=broker,controller",
    `node.id=${node.id}`,
    `controller.quorum.voters=${kafka.nodes.map((n) => `${n.id}@127.0.0.1:${n.controllerPort}`).join(",")}`,
    `listeners=${listener}://127.0.0.1:${node.port},CONTROLLER://127.0.0.1:${node.controllerPort}`,
    `advertised.listeners=${listener}://127.0.0.1:${node.port}`,
    "controller.listener.names=CONTROLLER",
    `inter.broker.listener.name=${listener}`,
    `listener.security.protocol.map=CONTROLLER:PLAINTEXT,${listener}:${listener}`,
    `log.dirs=${ctx.dirs.data}`,
    "num.partitions=1",
    // Topics are created on purpose (`stockpipe topic create`), never by a typo in --topic.
    "auto.create.topics.enable=false",
    `default.replication.factor=${kafka.replicationFactor}`,
    `min.insync.replicas=${kafka.minInsyncReplicas}`,
    `offsets.topic.replication.factor=${kafka.replicationFactor}`,
    "offsets.topic.num.partitions=10",
    `transaction.state.log.replication.factor=${kafka.replicationFactor}`,
    `transaction.state.log.min.isr=${kafka.minInsyncReplicas}`,
    "group.initial.rebalance.delay.ms=0",
    "num.network.threads=3",
    "num.io.threads=4",
    "log.retention.hours=168",
  ];
  if (secure) {
    const secrets = ensureSecrets(ctx.stackDir);
    const tls = tlsFiles(ctx.stackDir);
    const b = secrets.kafkaBroker;
    const oauth = kafka.oauth;
    lines.push(
      `sasl.enabled.mechanisms=${SCRAM_MECHANISM}${oauth ? ",OAUTHBEARER" : ""}`,
      `sasl.mechanism.inter.broker.protocol=${SCRAM_MECHANISM}`,
      `listener.name.sasl_ssl.${SCRAM_MECHANISM.toLowerCase()}.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${b.username}" password="${b.password}";`,
      // PEM given inline: Kafka reads an unencrypted PKCS#8 key only this way (a PEM file needs a key password).
      "ssl.keystore.type=PEM",
      `ssl.keystore.certificate.chain=${propertyPem(readPem(tls.cert) + readPem(tls.ca))}`,
      `ssl.keystore.key=${propertyPem(readPem(tls.key))}`,
      "ssl.truststore.type=PEM",
      `ssl.truststore.certificates=${propertyPem(readPem(tls.ca))}`,
      "ssl.client.auth=none",
    );
    if (oauth) {
      // Kafka's own JWT validator: signature by a key of the JWKS, audience, issuer, expiry. A session lasts at
      // most as long as its token (connections.max.reauth.ms on): clients re-authenticate with a fresh one.
      const prefix = "listener.name.sasl_ssl.oauthbearer";
      lines.push(
        `${prefix}.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required ;`,
        `${prefix}.sasl.server.callback.handler.class=org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler`,
        `${prefix}.connections.max.reauth.ms=3600000`,
        `sasl.oauthbearer.jwks.endpoint.url=${oauth.jwksUrl}`,
        `sasl.oauthbearer.expected.audience=${oauth.audience}`,
        `sasl.oauthbearer.expected.issuer=${oauth.issuer}`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}

/**
 * One cluster id per profile, shared by its brokers: 16 random bytes, base64url without padding — never starting
 * with "-", which the storage tool would read as an option (Kafka's own Uuid.randomUuid skips those too; 1 in 64
 * fresh stacks failed to format).
 */
export function clusterId(stackDir: string): string {
  const file = join(stackDir, "kafka-cluster-id");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(stackDir, { recursive: true });
  let id: string;
  do id = randomBytes(16).toString("base64url");
  while (id.startsWith("-"));
  writeFileSync(file, `${id}\n`);
  return id;
}

/** Kafka 3.9's logging (reload4j). */
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

/** Kafka 4's logging (log4j2): the same lines and levels as 3.9's. */
const log4j2 = [
  "status = warn",
  "appender.stdout.type = Console",
  "appender.stdout.name = STDOUT",
  "appender.stdout.layout.type = PatternLayout",
  "appender.stdout.layout.pattern = [%d] %p %m (%c)%n",
  "rootLogger.level = INFO",
  "rootLogger.appenderRef.stdout.ref = STDOUT",
  ...["state.change.logger", "kafka.request.logger", "org.apache.kafka.clients"].flatMap((name, i) => [
    `logger.l${i}.name = ${name}`,
    `logger.l${i}.level = WARN`,
  ]),
  "",
].join("\n");

/** The JVM flag and file of a line's logging config. */
function logging(version: KafkaVersion, root: string): { flag: string; file: string; text: string } {
  if (version === "3.9") {
    const file = join(root, "log4j.properties");
    return { flag: `-Dlog4j.configuration=file:${file}`, file, text: log4j };
  }
  const file = join(root, "log4j2.properties");
  return { flag: `-Dlog4j2.configurationFile=${file}`, file, text: log4j2 };
}

/** The file that records which Kafka line last ran a node's data (next to the data, not in Kafka's log dir). */
function dataVersionFile(root: string): string {
  return join(root, "data-kafka-version");
}

/**
 * The line whose data a node holds: the recorded one; 3.9 for data without a record (every stack before 4.4
 * was the default ran 3.9); undefined when there is no data yet.
 */
export function dataVersion(root: string, data: string): KafkaVersion | undefined {
  // No formatted storage (a fresh folder, or its data purged): nothing to upgrade, whatever the record says.
  if (!existsSync(join(data, "meta.properties"))) return undefined;
  const file = dataVersionFile(root);
  return existsSync(file) ? (readFileSync(file, "utf8").trim() as KafkaVersion) : "3.9";
}

/** What starting `version` on data of `found` means: nothing to say, an in-place upgrade, or a refusal. */
export function versionStep(found: KafkaVersion | undefined, version: KafkaVersion): "fresh" | "same" | "upgrade" | "refuse" {
  if (found === undefined) return "fresh";
  if (found === version) return "same";
  return found === "3.9" ? "upgrade" : "refuse";
}

export function kafkaService(profile: StackProfile, node: KafkaNode): LocalService {
  const clustered = profile.kafka.nodes.length > 1;
  const secure = profile.kafka.security === "sasl_ssl";
  const version = profile.kafka.version;
  const release = KAFKA_RELEASES[version];
  const name = clustered ? `kafka-${node.id}` : "kafka";
  return {
    name,
    group: "kafka",
    module: version === "4.4" ? "kafka" : `kafka-${version}`,
    description: clustered
      ? `Apache Kafka ${release} (KRaft), broker ${node.id} of ${profile.kafka.nodes.length}`
      : `Apache Kafka ${release} (KRaft)`,
    ports: [
      { port: node.port, setting: "local.kafkaPort" },
      { port: node.controllerPort, setting: "local.kafkaPort" },
    ],
    endpoint: `127.0.0.1:${node.port}`,
    security: secure
      ? `SASL_SSL ${SCRAM_MECHANISM}${profile.kafka.oauth ? ` and OAUTHBEARER (JWKS ${profile.kafka.oauth.jwksUrl})` : ""}, CA ${tlsFiles(profile.dir).ca}`
      : "plaintext",
    startTimeoutMs: 90_000,
    stopGraceMs: 30_000,

    async prepare(ctx, classpath, note) {
      const found = dataVersion(ctx.dirs.root, ctx.dirs.data);
      const step = versionStep(found, version);
      if (step === "refuse") {
        throw new RuntimeError(
          `${name}: its data in ${ctx.dirs.data} was written by Apache Kafka ${found}, and Kafka ${version} cannot run a stack a newer Kafka has run`,
          {
            hint: `keep local.kafkaVersion ${found} for this stack, use another local.dir for a ${version} stack, or start fresh: \`stockpipe local down --purge kafka\` deletes its topics`,
          },
        );
      }
      if (step === "upgrade") {
        note(
          `upgrading in place: the data was written by Kafka ${found}; its topics and offsets are kept, and its metadata.version stays ${found}'s until you finalize it (docs/operations.md)`,
        );
      }
      mkdirSync(ctx.dirs.data, { recursive: true });
      if (secure) await ensureTls(ctx.stackDir);
      const props = join(ctx.dirs.root, "server.properties");
      // It carries the brokers' password and key when secure: owner-only (also when it was there before).
      writeFileSync(props, serverProperties(ctx, node), { mode: 0o600 });
      chmodSync(props, 0o600);
      const log = logging(version, ctx.dirs.root);
      writeFileSync(log.file, log.text);
      if (step !== "fresh") {
        writeFileSync(dataVersionFile(ctx.dirs.root), `${version}\n`);
        return;
      }
      const scram = secure
        ? scramUsers(ensureSecrets(ctx.stackDir)).flatMap((u) => [
            "--add-scram",
            `${SCRAM_MECHANISM}=[name=${u.username},password=${u.password}]`,
          ])
        : [];
      try {
        await run(
          javaCommand(),
          [
            "-cp",
            classpath,
            log.flag,
            "kafka.tools.StorageTool",
            "format",
            // One argument with its value: an id from an older stack may start with "-".
            `--cluster-id=${clusterId(ctx.stackDir)}`,
            "-c",
            props,
            ...scram,
          ],
          { maxBuffer: 4 * 1024 * 1024 },
        );
      } catch (err) {
        const e = err as { stderr?: string; stdout?: string; message: string };
        const detail = (e.stderr || e.stdout || e.message).trim().split("\n").pop() ?? "";
        // Never echo the command line: it carries the SCRAM passwords.
        throw new RuntimeError(
          `formatting Kafka's storage in ${ctx.dirs.data} failed: ${detail.replace(/password=[^\],]*/g, "password=…")}`,
        );
      }
      writeFileSync(dataVersionFile(ctx.dirs.root), `${version}\n`);
    },

    javaArgs(ctx, classpath) {
      return [
        "-Xms256m",
        clustered ? "-Xmx512m" : "-Xmx1g",
        "-XX:+UseG1GC",
        "-XX:MaxGCPauseMillis=20",
        "-Djava.awt.headless=true",
        logging(version, ctx.dirs.root).flag,
        // Kafka 4 fetches JWKS only from URLs allowed here.
        ...(profile.kafka.oauth ? [`-Dorg.apache.kafka.sasl.oauthbearer.allowed.urls=${profile.kafka.oauth.jwksUrl}`] : []),
        `-Dkafka.logs.dir=${ctx.dirs.root}`,
        "-cp",
        classpath,
        "kafka.Kafka",
        join(ctx.dirs.root, "server.properties"),
      ];
    },

    async probe(ctx) {
      const { Kafka, logLevel } = await import("kafkajs");
      const secrets = secure ? readSecrets(ctx.stackDir) : undefined;
      const kafka = new Kafka({
        clientId: "stockpipe-local",
        brokers: [`127.0.0.1:${node.port}`],
        connectionTimeout: 1000,
        retry: { retries: 0 },
        logLevel: logLevel.NOTHING,
        ssl: secure ? { ca: [readPem(tlsFiles(ctx.stackDir).ca)] } : undefined,
        sasl: secrets ? { mechanism: "scram-sha-512", ...secrets.kafka } : undefined,
      });
      const admin = kafka.admin();
      try {
        await admin.connect();
        const cluster = await admin.describeCluster();
        return `cluster ${cluster.clusterId}, ${cluster.brokers.length} broker${cluster.brokers.length === 1 ? "" : "s"}`;
      } finally {
        await admin.disconnect().catch(() => {});
      }
    },
  };
}

/** The SCRAM users made when the storage is formatted: the clients' and the brokers' own. */
function scramUsers(s: StackSecrets): Login[] {
  return [s.kafka, s.kafkaBroker];
}
