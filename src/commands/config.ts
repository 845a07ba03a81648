import type { Command } from "commander";
import { commandContext } from "./context";
import { examples, formatOption } from "./options";

export function registerConfig(program: Command): void {
  const config = program
    .command("config")
    .description("show the resolved configuration or write a starter stockpipe.yaml")
    .addHelpText("after", examples("stockpipe config show", "stockpipe config show -f json", "stockpipe config init"));

  config
    .command("show")
    .description("print every field's value and where it came from (default, file, env, flag); secrets redacted")
    .addOption(formatOption())
    .addHelpText("after", examples("stockpipe config show", "STOCKPIPE_KAFKA_TOPIC=quotes stockpipe config show -f json"))
    .action(async (_opts, cmd: Command) => {
      const { configShow } = await import("../actions/config");
      configShow(commandContext(cmd));
    });

  config
    .command("reference")
    .description("print every config field with its env var, default and description, as a Markdown table")
    .addHelpText("after", examples("stockpipe config reference > CONFIG.md"))
    .action(async () => {
      const { referenceMarkdown } = await import("../config/starter");
      process.stdout.write(referenceMarkdown());
    });

  config
    .command("init")
    .description("write a commented starter stockpipe.yaml (every field with its default)")
    .option("-o, --output <file>", "where to write it; - for stdout", "stockpipe.yaml")
    .option("--force", "overwrite an existing file")
    .addHelpText("after", examples("stockpipe config init", "stockpipe config init -o - | less"))
    .action(async (opts: { output: string; force?: boolean }) => {
      const { configInit } = await import("../actions/config");
      configInit(opts.output, Boolean(opts.force));
    });
}
