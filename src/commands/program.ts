/** The commander program: global options, the commands, the help. Built without running anything (cli.ts runs it). */
import { Command, Option } from "commander";
import { configureOutput, type LogLevel } from "../log";
import { registerCommands } from "./index";

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
