/** What every command needs: the resolved config (with origins) and the output format. */
import type { Command } from "commander";
import { type FlagOverride, type LoadedConfig, loadConfig } from "../config/loader";
import { redactor } from "../config/redact";
import type { ResolvedConfig } from "../config/schema";
import { withLocalS3Credentials } from "../local/credentials";
import { configureOutput, type LogLevel, log, setRedaction } from "../log";
import type { Format } from "../ui/output";

export interface GlobalOptions {
  config?: string;
  brokers?: string;
  logLevel?: LogLevel;
  color?: boolean;
  format?: Format;
}

export interface CommandContext {
  config: ResolvedConfig;
  loaded: LoadedConfig;
  format: Format;
}

/** Loads the config for `cmd` with its flags as the top layer. `flags` maps config paths to this command's flags. */
export function commandContext(cmd: Command, flags: FlagOverride[] = []): CommandContext {
  const opts = cmd.optsWithGlobals<GlobalOptions>();
  const overrides: FlagOverride[] = [...flags];
  if (opts.brokers !== undefined) overrides.push({ path: "kafka.brokers", value: opts.brokers, flag: "--brokers" });
  if (opts.logLevel !== undefined) overrides.push({ path: "log.level", value: opts.logLevel, flag: "--log-level" });
  const loaded = withLocalS3Credentials(loadConfig({ configFile: opts.config, flags: overrides }));
  setRedaction(redactor(loaded));
  configureOutput({ level: loaded.config.log.level, color: opts.color });
  for (const w of loaded.warnings) log.warn(w);
  return { config: loaded.config, loaded, format: opts.format ?? "table" };
}

/** `--flag value` as a config override, skipped when the flag was not given. */
export function flag(path: string, value: unknown, name: string): FlagOverride[] {
  return value === undefined ? [] : [{ path, value, flag: name }];
}
