/**
 * The stockpipe command-line program: registers the commands and maps every error to one line and an exit code.
 * Commands load their heavy modules (kafkajs, the AWS SDK, the Cassandra driver) only when they run.
 */
// stockpipe supports Node 20 and later with the AWS SDK versions in package-lock.json; the SDK's notice that
// its future releases will need Node 22 is not actionable for our users, so it is switched off.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
// kafkajs warns about its v2 partitioner change on every producer; stockpipe chooses its partitioner explicitly.
process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= "1";

import { Command, Option } from "commander";
import { registerCommands } from "./commands/index";
import { configureOutput, type LogLevel } from "./log";
import { flushOutput, handleError } from "./ui/errors";

export function buildProgram(): Command {
  const program = new Command("stockpipe")
    .description("A real-time stock market data pipeline: Kafka topics, producers, Cassandra and S3 sinks, queries.")
    .version(process.env.npm_package_version ?? "0.1.0", "-V, --version")
    .option("-c, --config <file>", "config file (default: ./stockpipe.yaml if present)")
    .option("-b, --brokers <list>", "Kafka brokers, host:port[,host:port…] (overrides kafka.brokers)")
    .addOption(new Option("--log-level <level>", "log level; debug adds stack traces").choices(["error", "warn", "info", "debug"]))
    .option("--no-color", "no colour in output (also NO_COLOR=1)")
    .showHelpAfterError("(add --help for usage)")
    .exitOverride()
    .configureHelp({ sortSubcommands: false, showGlobalOptions: true })
    .addHelpText(
      "after",
      `
The pipeline:  produce → Kafka topic → consume --sink cassandra|s3 → query

Get started:
  $ stockpipe local up                 # real Kafka, Cassandra and S3 server on 127.0.0.1
  $ stockpipe doctor                   # check every endpoint
  $ stockpipe topic create ticks -p 6

Exit codes: 0 ok, 1 runtime failure, 2 usage error, 3 configuration error, 130 interrupted.`,
    );
  program.hook("preAction", (_this, action) => {
    const o = action.optsWithGlobals<{ logLevel?: LogLevel; color?: boolean }>();
    configureOutput({ level: o.logLevel, color: o.color });
  });
  registerCommands(program);
  return program;
}

async function main(): Promise<void> {
  configureOutput({ color: !process.argv.includes("--no-color") });
  await buildProgram().parseAsync(process.argv);
  // The work is done. A client library can leave a reconnection timer behind (the Cassandra driver after an
  // outage), so exit explicitly — once everything written to stdout and stderr has reached the pipe or file.
  await flushOutput();
  process.exit(process.exitCode ?? 0);
}

// `stockpipe … | head` closes the pipe before the output ends: stop quietly, as Unix tools do, instead of
// dying with an unhandled EPIPE stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(0);
    throw err;
  });
}

main().catch(handleError);
