import { Option, type Command } from "commander";
import { commandContext } from "./context";
import { examples, formatOption } from "./options";

export function registerQuery(program: Command): void {
  program
    .command("query")
    .description("run a CQL statement (SQL on Athena or locally comes with the lake issue) and print the rows")
    .argument("[statement]", "the statement; or --file, or stdin")
    .option("--file <path>", "read the statement from a file")
    .addOption(new Option("--engine <engine>", "query engine (default: cql)").choices(["cql", "athena", "local"]))
    .addOption(formatOption())
    .addHelpText(
      "after",
      examples(
        'stockpipe query "SELECT * FROM stockpipe.latest_ticks"',
        "stockpipe query \"SELECT ts, price FROM ticks WHERE symbol = 'HSI' AND day = '2010-01-08' AND bucket = 0\" -f json",
        "stockpipe query --file report.cql -f csv > report.csv",
      ) + "\nTables are looked up in cassandra.keyspace unless the statement names a keyspace.\n",
    )
    .action(async (statement: string | undefined, opts: { file?: string; engine?: string }, cmd: Command) => {
      const { queryCommand } = await import("../actions/query");
      await queryCommand(commandContext(cmd), statement, opts);
    });
}
