import { Argument, type Command } from "commander";
import { commandContext } from "./context";
import { examples, formatOption } from "./options";

const SERVICE_NAMES = ["kafka", "cassandra", "s3"];

export function registerLocal(program: Command): void {
  const local = program
    .command("local")
    .description("run a real local stack: Apache Kafka, Apache Cassandra and an S3 server (S3Proxy) on 127.0.0.1")
    .addHelpText(
      "after",
      examples("stockpipe local up", "stockpipe local status -f json", "stockpipe local logs kafka -n 100", "eval \"$(stockpipe local env)\"", "stockpipe local down --purge") +
        "\nNeeds Java 17 and Maven; the first `up` resolves the services from Maven Central. State lives in local.dir (~/.stockpipe/local).\n",
    );

  local
    .command("up")
    .description("start the services that are not running and wait until each answers")
    .addArgument(new Argument("[services...]", "only these services").choices(SERVICE_NAMES))
    .addOption(formatOption())
    .addHelpText("after", examples("stockpipe local up", "stockpipe local up kafka"))
    .action(async (services: string[], _opts, cmd: Command) => {
      const { localUp } = await import("../actions/local");
      await localUp(commandContext(cmd), services);
    });

  local
    .command("status")
    .description("show each service, its endpoint and pid; exit 0 only if every one answers")
    .addOption(formatOption())
    .addHelpText("after", examples("stockpipe local status", "stockpipe local status -f json"))
    .action(async (_opts, cmd: Command) => {
      const { localStatus } = await import("../actions/local");
      await localStatus(commandContext(cmd));
    });

  local
    .command("down")
    .description("stop the services this stack started (gracefully, then by force)")
    .option("--purge", "also delete their data (topics, tables, objects)")
    .addArgument(new Argument("[services...]", "only these services").choices(SERVICE_NAMES))
    .addHelpText("after", examples("stockpipe local down", "stockpipe local down --purge"))
    .action(async (services: string[], opts: { purge?: boolean }, cmd: Command) => {
      const { localDown } = await import("../actions/local");
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
      const { localLogs } = await import("../actions/local");
      await localLogs(commandContext(cmd), service, opts.lines, Boolean(opts.follow));
    });

  local
    .command("env")
    .description("print export lines (endpoints, local S3 credentials) for shell scripts")
    .addHelpText("after", examples('eval "$(stockpipe local env)"'))
    .action(async (_opts, cmd: Command) => {
      const { localEnv } = await import("../actions/local");
      localEnv(commandContext(cmd));
    });
}
