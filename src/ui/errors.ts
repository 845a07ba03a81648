/** The one place errors become output and exit codes. */
import { CommanderError } from "commander";
import { ConfigError, ExitCode, InterruptedError, StockpipeError } from "../errors";
import { chalk, logLevel, redact } from "../log";

/** Resolves once everything written to stdout and stderr so far has been handed to the pipe or file. */
export function flushOutput(): Promise<void> {
  return Promise.all([process.stdout, process.stderr].map((s) => new Promise<void>((r) => s.write("", () => r())))).then(() => {});
}

async function exit(code: number): Promise<never> {
  await flushOutput();
  process.exit(code);
}

export async function handleError(err: unknown): Promise<never> {
  if (err instanceof CommanderError) {
    // commander printed its own message (or the help) already.
    const ok = err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help";
    return exit(ok ? ExitCode.ok : ExitCode.usage);
  }
  const debug = logLevel() === "debug" || process.argv.includes("debug");
  const line = (s: string) => process.stderr.write(`${redact(s)}\n`);
  if (err instanceof InterruptedError) {
    // A stop the user asked for (Ctrl-C, SIGTERM) is news, not an error: what was kept, then exit 130.
    line(`${chalk.yellow("stopped:")} ${err.message.replace(/^interrupted: /, "")}`);
    return exit(err.exitCode);
  }
  if (err instanceof StockpipeError) {
    if (err instanceof ConfigError && err.problems.length > 0) {
      line(`${chalk.red("error:")} ${err.message}:`);
      for (const p of err.problems) line(`  - ${p}`);
      if (err.hint) line(`  ${err.hint}`);
    } else {
      line(`${chalk.red("error:")} ${err.message}${err.hint ? ` — ${err.hint}` : ""}`);
    }
    if (debug) line(chalk.dim(err.stack ?? ""));
    return exit(err.exitCode);
  }
  const message = err instanceof Error ? err.message : String(err);
  line(`${chalk.red("error:")} ${message}${debug ? "" : " — an unexpected failure; rerun with --log-level debug for the stack trace"}`);
  if (debug && err instanceof Error) line(chalk.dim(err.stack ?? ""));
  return exit(ExitCode.runtime);
}
