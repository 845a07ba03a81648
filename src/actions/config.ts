import { existsSync, writeFileSync } from "node:fs";
import type { CommandContext } from "../commands/context";
import { showConfig } from "../config/redact";
import { starterYaml } from "../config/starter";
import { RuntimeError } from "../errors";
import { log } from "../ui/log";
import { printRows } from "../ui/output";

export function configShow(ctx: CommandContext): void {
  if (ctx.loaded.file) log.info(`config file: ${ctx.loaded.file}`);
  else log.info("config file: none (defaults target the local stack)");
  const rows = showConfig(ctx.loaded).map((f) => ({ ...f }));
  if (ctx.format === "json") {
    const out: Record<string, { value: unknown; origin: string }> = {};
    for (const r of rows) out[r.path] = { value: r.value, origin: r.origin };
    process.stdout.write(JSON.stringify(out, null, 2) + "\n");
    return;
  }
  printRows(rows, [{ key: "path", header: "field" }, { key: "value" }, { key: "origin" }], ctx.format);
}

export function configInit(output: string, force: boolean): void {
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
