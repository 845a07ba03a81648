/** `stockpipe local …`: the local stack's commands, on top of src/local/stack.ts. */
import { createReadStream, existsSync, statSync, watch } from "node:fs";
import { Argument, type Command } from "commander";
import { RuntimeError, UsageError } from "../errors";
import { readLocalCredentials } from "../local/credentials";
import { tailFile } from "../local/process";
import { context, down, findService, type ServiceName, type ServiceStatus, status, up } from "../local/stack";
import { log } from "../log";
import { type Column, printRows } from "../ui/output";
import { spinner } from "../ui/spinner";
import { type CommandContext, commandContext } from "./context";
import { examples, formatOption } from "./options";

const SERVICE_NAMES = ["kafka", "cassandra", "s3"];

export function registerLocal(program: Command): void {
  const local = program
    .command("local")
    .description("run a real local stack: Apache Kafka, Apache Cassandra and an S3 server (S3Proxy) on 127.0.0.1")
    .addHelpText(
      "after",
      examples(
        "stockpipe local up",
        "stockpipe local status -f json",
        "stockpipe local logs kafka -n 100",
        'eval "$(stockpipe local env)"',
        "stockpipe local down --purge",
      ) +
        "\nNeeds Java 17 and Maven; the first `up` resolves the services from Maven Central. State lives in local.dir (~/.stockpipe/local).\n",
    );

  local
    .command("up")
    .description("start the services that are not running and wait until each answers")
    .addArgument(new Argument("[services...]", "only these services").choices(SERVICE_NAMES))
    .addOption(formatOption())
    .addHelpText("after", examples("stockpipe local up", "stockpipe local up kafka"))
    .action(async (services: string[], _opts, cmd: Command) => {
      await localUp(commandContext(cmd), services);
    });

  local
    .command("status")
    .description("show each service, its endpoint and pid; exit 0 only if every one answers")
    .addOption(formatOption())
    .addHelpText("after", examples("stockpipe local status", "stockpipe local status -f json"))
    .action(async (_opts, cmd: Command) => {
      await localStatus(commandContext(cmd));
    });

  local
    .command("down")
    .description("stop the services this stack started (gracefully, then by force)")
    .option("--purge", "also delete their data (topics, tables, objects)")
    .addArgument(new Argument("[services...]", "only these services").choices(SERVICE_NAMES))
    .addHelpText("after", examples("stockpipe local down", "stockpipe local down --purge"))
    .action(async (services: string[], opts: { purge?: boolean }, cmd: Command) => {
      await localDown(commandContext(cmd), services, Boolean(opts.purge));
    });

  local
    .command("logs")
    .description("print the end of a service's log")
    .addArgument(new Argument("<service>", "kafka, cassandra or s3").choices(SERVICE_NAMES))
    .option("-n, --lines <n>", "how many lines", "50")
    .option("--follow", "keep printing new lines until Ctrl-C")
    .addHelpText("after", examples("stockpipe local logs cassandra", "stockpipe local logs kafka -n 200 --follow"))
    .action(async (service: string, opts: { lines: string; follow?: boolean }, cmd: Command) => {
      await localLogs(commandContext(cmd), service, opts.lines, Boolean(opts.follow));
    });

  local
    .command("env")
    .description("print export lines (endpoints, local S3 credentials) for shell scripts")
    .addHelpText("after", examples('eval "$(stockpipe local env)"'))
    .action(async (_opts, cmd: Command) => {
      localEnv(commandContext(cmd));
    });
}

const STATUS_COLUMNS: Column[] = [
  { key: "service" },
  { key: "state" },
  { key: "endpoint" },
  { key: "pid", align: "right" },
  { key: "version" },
];

async function localUp(ctx: CommandContext, only: string[]): Promise<void> {
  const names = (only.length ? only : undefined) as ServiceName[] | undefined;
  const lines = new Map<string, string>();
  const p = spinner("starting the local stack");
  const results = await up(
    ctx.config,
    {
      progress(service, message) {
        lines.set(service, message);
        p.text(`local stack: ${[...lines].map(([s, m]) => `${s} ${m}`).join(" · ")}`);
        if (!process.stderr.isTTY) log.debug(`${service}: ${message}`);
      },
    },
    names,
  ).catch((err) => {
    p.fail("the local stack did not start");
    throw err;
  });
  p.succeed(
    `local stack ready in ${Math.max(...results.map((r) => r.seconds ?? 0))}s (${results.map((r) => `${r.service} ${r.action}`).join(", ")})`,
  );
  printRows(
    results as unknown as Record<string, unknown>[],
    [...STATUS_COLUMNS, { key: "action" }, { key: "seconds", align: "right" }],
    ctx.format,
  );
}

async function localStatus(ctx: CommandContext): Promise<void> {
  const rows = await status(ctx.config);
  printRows(rows as unknown as Record<string, unknown>[], [...STATUS_COLUMNS, { key: "log" }], ctx.format);
  const down = rows.filter((r: ServiceStatus) => r.state !== "running");
  if (down.length > 0) {
    throw new RuntimeError(`${down.map((r) => `${r.service} is ${r.state}`).join(", ")}`, { hint: "run `stockpipe local up`" });
  }
}

async function localDown(ctx: CommandContext, only: string[], purge: boolean): Promise<void> {
  const names = (only.length ? only : undefined) as ServiceName[] | undefined;
  const p = spinner(purge ? "stopping the local stack and deleting its data" : "stopping the local stack");
  const results = await down(ctx.config, { purge, only: names });
  p.succeed(results.map((r) => `${r.service} ${r.result}${r.pid ? ` (pid ${r.pid})` : ""}`).join(", ") + (purge ? "; data deleted" : ""));
}

async function localLogs(ctx: CommandContext, name: string, linesArg: string, follow: boolean): Promise<void> {
  const lines = Number(linesArg);
  if (!Number.isInteger(lines) || lines < 0) throw new UsageError(`--lines must be a whole number, not "${linesArg}"`);
  const service = findService(name);
  const file = context(ctx.config, service).dirs.log;
  if (!existsSync(file)) throw new RuntimeError(`${name} has no log yet at ${file}`, { hint: "run `stockpipe local up` first" });
  for (const l of tailFile(file, lines)) process.stdout.write(`${l}\n`);
  if (!follow) return;
  let offset = statSync(file).size;
  await new Promise<void>(() => {
    watch(file, () => {
      const size = statSync(file).size;
      if (size <= offset) return;
      createReadStream(file, { start: offset, end: size - 1 }).pipe(process.stdout, { end: false });
      offset = size;
    });
  });
}

function localEnv(ctx: CommandContext): void {
  const c = ctx.config.local;
  const creds = readLocalCredentials(c.dir);
  const lines = [
    `export STOCKPIPE_KAFKA_BROKERS=127.0.0.1:${c.kafkaPort}`,
    `export STOCKPIPE_CASSANDRA_CONTACT_POINTS=127.0.0.1:${c.cassandraPort}`,
    `export STOCKPIPE_CASSANDRA_LOCAL_DATA_CENTER=datacenter1`,
    `export STOCKPIPE_S3_ENDPOINT=http://127.0.0.1:${c.s3Port}`,
    `export STOCKPIPE_S3_BUCKET=${ctx.config.s3.bucket}`,
    `export STOCKPIPE_S3_FORCE_PATH_STYLE=true`,
  ];
  if (creds) {
    lines.push(`export STOCKPIPE_S3_ACCESS_KEY_ID=${creds.accessKeyId}`, `export STOCKPIPE_S3_SECRET_ACCESS_KEY=${creds.secretAccessKey}`);
  } else {
    log.warn("the local S3 credentials do not exist yet: run `stockpipe local up` first");
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}
