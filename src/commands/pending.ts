/** Commands whose issue is not built yet: listed in --help, and honest about it when run. */
import type { Command } from "commander";
import { RuntimeError } from "../errors";

const PENDING: [string, string, string][] = [
  ["consume", "drain the topic into Cassandra or the S3 lake, exactly once per tick", "stockpipe consume --sink cassandra --exit-at-end"],
  ["schema", "create the Cassandra tables or the Athena table over the lake", "stockpipe schema cassandra --dry-run"],
  ["query", "run CQL or SQL (Athena or local) and print the rows", 'stockpipe query "SELECT * FROM stockpipe.latest_ticks"'],
];

export function registerPending(program: Command): void {
  for (const [name, description, example] of PENDING) {
    program
      .command(name)
      .description(`${description} (not built yet)`)
      .allowUnknownOption()
      .allowExcessArguments()
      .addHelpText("after", `\nExample (once built):\n  $ ${example}\n`)
      .action(() => {
        throw new RuntimeError(`\`stockpipe ${name}\` is not built yet`, { hint: "see the README for what works today" });
      });
  }
}
