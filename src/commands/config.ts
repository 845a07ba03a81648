import { existsSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { showConfig } from "../config/redact";
import { starterYaml } from "../config/starter";
import { RuntimeError } from "../errors";
import { log } from "../log";
import { printRows } from "../ui/output";
import { type CommandContext, commandContext } from "./context";
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
      configShow(commandContext(cmd));
    });

  config
    .command("reference")
    .description("print every config field with its env var, default and description, as a Markdown table")
    .addHelpText("after", examples("stockpipe config reference > CONFIG.md"))
    .action(async () => {
      const { referenceMarkdown } = await import("../config/starter");
      const { SOURCE_FLAG_NAMES } = await import("./produce/spec");
      process.stdout.write(referenceMarkdown(SOURCE_FLAG_NAMES));
    });

  config
    .command("init")
    .description("write a commented starter stockpipe.yaml (every field with its default)")
    .option("-o, --output <file>", "where to write it; - for stdout", "stockpipe.yaml")
    .option("--force", "overwrite an existing file")
    .addHelpText("after", examples("stockpipe config init", "stockpipe config init -o - | less"))
    .action(async (opts: { output: string; force?: boolean }) => {
      configInit(opts.output, Boolean(opts.force));
    });
}

function configShow(ctx: CommandContext): void {
  if (ctx.loaded.file) log.info(`config file: ${ctx.loaded.file}`);
  else log.info("config file: none (defaults target the local stack)");
  const rows = showConfig(ctx.loaded).map((f) => ({ ...f }));
  if (ctx.format === "json") {
    const out: Record<string, { value: unknown; origin: string }> = {};
    for (const r of rows) out[r.path] = { value: r.value, origin: r.origin };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }
  printRows(rows, [{ key: "path", header: "field" }, { key: "value" }, { key: "origin" }], ctx.format);
}

function configInit(output: string, force: boolean): void {
  const text = starterYaml();
  if (output === "-") {
    process.stdout.write(text);
    return;
  }
  if (existsSync(output) && !force) {
    throw new RuntimeError(`${output} already exists`, { hint: "pass --force to overwrite it, or -o another file" });
  }
  writeFileSync(output, text);
  log.success(`wrote ${output}`);
}
