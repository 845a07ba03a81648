/** `stockpipe local …`: the local stack's commands, on top of src/local/stack.ts. */
import { createReadStream, existsSync, statSync, watch } from "node:fs";
import { Argument, type Command, Option } from "commander";
import { RuntimeError, UsageError } from "../errors";
import { clientEnv, shellWord } from "../local/env";
import { tailFile } from "../local/process";
import { PROFILE_NAMES } from "../local/profiles";
import { context, down, findService, type ServiceName, type ServiceStatus, status, up } from "../local/stack";
import { log } from "../log";
import { type Column, printRows } from "../ui/output";
import { spinner } from "../ui/spinner";
import { commandContext as baseContext, type CommandContext, flag } from "./context";
import { examples, formatOption } from "./options";

/** kafka-1 … kafka-3 are the cluster profile's brokers; `kafka` means all of a profile's brokers. */
const SERVICE_NAMES = ["kafka", "cassandra", "s3", "kafka-1", "kafka-2", "kafka-3"];

/** The config with `--profile` (given on `local` or its subcommand) as a flag override of local.profile. */
function commandContext(cmd: Command): CommandContext {
  const { profile } = cmd.optsWithGlobals<{ profile?: string }>();
  return baseContext(cmd, flag("local.profile", profile, "--profile"));
}

export function registerLocal(program: Command): void {
  const local = program
    .command("local")
    .description("run a real local stack: Apache Kafka, Apache Cassandra and an S3 server (S3Proxy) on 127.0.0.1")
    .addOption(
      new Option(
        "--profile <name>",
        "which stack: default; secure (Kafka SASL_SSL/SCRAM, Cassandra TLS + password; ports +100); cluster (three Kafka brokers; ports +200)",
      ).choices([...PROFILE_NAMES]),
    )
    .addHelpText(
      "after",
      examples(
        "stockpipe local up",
        'stockpipe local up --profile secure && eval "$(stockpipe local env --profile secure)"',
        "stockpipe local up --profile cluster kafka",
        "stockpipe local status -f json",
        "stockpipe local logs kafka -n 100",
        'eval "$(stockpipe local env)"',
        "stockpipe local down --purge",
      ) +
        "\nNeeds Java 17 and Maven; the first `up` resolves the services from Maven Central. State lives in local.dir (~/.stockpipe/local;\n" +
        "the secure and cluster profiles in its secure/ and cluster/ folders). Profiles have their own ports and run side by side.\n",
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
    .addArgument(
      new Argument("<service>", "kafka (kafka-1, kafka-2, kafka-3 in the cluster profile), cassandra or s3").choices(SERVICE_NAMES),
    )
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
      await localEnv(commandContext(cmd));
    });
}

const STATUS_COLUMNS: Column[] = [
  { key: "service" },
  { key: "state" },
  { key: "endpoint" },
  { key: "pid", align: "right" },
  { key: "version" },
  { key: "security" },
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
  for (const r of results) for (const note of r.notes ?? []) log.info(`${r.service}: ${note}`);
}

/** Whether `--profile` (or the config) chose the profile, rather than the default standing in. */
function profileChosen(ctx: CommandContext): boolean {
  return (ctx.loaded.origins.get("local.profile") ?? "default") !== "default";
}

async function localStatus(ctx: CommandContext): Promise<void> {
  const { statusAll } = await import("../local/stack");
  // Without a chosen profile: the default's services, and whatever another profile has running.
  const rows = profileChosen(ctx) ? await status(ctx.config) : await statusAll(ctx.config);
  printRows(rows as unknown as Record<string, unknown>[], [{ key: "profile" }, ...STATUS_COLUMNS, { key: "log" }], ctx.format);
  const down = rows.filter((r: ServiceStatus) => r.profile === ctx.config.local.profile && r.state !== "running");
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
  const service = findService(ctx.config, name);
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

async function localEnv(ctx: CommandContext): Promise<void> {
  const { otherRunningProfiles, profileRunning, withProfile } = await import("../local/stack");
  let config = ctx.config;
  const others = profileChosen(ctx) ? [] : otherRunningProfiles(config);
  // Nothing of the default profile running, one other profile up: that one is what the user means.
  if (!profileChosen(ctx) && others.length === 1 && !profileRunning(config)) config = withProfile(config, others[0]!);
  const shownOthers = others.filter((p) => p !== config.local.profile);
  log.info(
    `the ${config.local.profile} profile's settings${shownOthers.length ? ` (also running: ${shownOthers.join(", ")}; pass --profile ${shownOthers[0]} for its settings)` : ""}`,
  );
  const { env, missing } = clientEnv(config);
  if (missing.length > 0) {
    log.warn(
      `${missing.join(", ")} do not exist yet: run \`stockpipe local up${config.local.profile === "default" ? "" : ` --profile ${config.local.profile}`}\` first`,
    );
  }
  process.stdout.write(
    Object.entries(env)
      .map(([k, v]) => `export ${k}=${shellWord(v)}\n`)
      .join(""),
  );
}
