/**
 * Logs, warnings and progress go to stderr; stdout is for data only. Colour only on a TTY, never with
 * NO_COLOR (non-empty) or --no-color.
 */
import chalk from "chalk";

export type LogLevel = "error" | "warn" | "info" | "debug";
const ORDER: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

const state = { level: "info" as LogLevel };

export function configureOutput(options: { level?: LogLevel; color?: boolean }): void {
  if (options.level) state.level = options.level;
  const noColorEnv = Boolean(process.env.NO_COLOR);
  if (options.color === false || noColorEnv || !process.stderr.isTTY) chalk.level = 0;
}

export function logLevel(): LogLevel {
  return state.level;
}

export function colorEnabled(): boolean {
  return chalk.level > 0;
}

export function enabled(level: LogLevel): boolean {
  return ORDER[level] <= ORDER[state.level];
}

/** Set once the config is loaded: masks its secrets in every log line, error and dead-letter header. */
let redaction: (text: string) => string = (t) => t;
export function setRedaction(fn: (text: string) => string): void {
  redaction = fn;
}
export function redact(text: string): string {
  return redaction(text);
}

function write(level: LogLevel, text: string): void {
  if (enabled(level)) process.stderr.write(`${redaction(text)}\n`);
}

export const log = {
  error: (msg: string) => write("error", `${chalk.red("error")} ${msg}`),
  warn: (msg: string) => write("warn", `${chalk.yellow("warning")} ${msg}`),
  info: (msg: string) => write("info", msg),
  success: (msg: string) => write("info", `${chalk.green("✔")} ${msg}`),
  debug: (msg: string) => write("debug", chalk.dim(msg)),
};

export { chalk };
