/**
 * Error classes and exit codes. Every failure a user can cause or meet is one of these, so the one top-level
 * handler in cli.ts can print one clear line and exit with the right code.
 */
export const ExitCode = {
  ok: 0,
  runtime: 1,
  usage: 2,
  config: 3,
  interrupted: 130,
} as const;

export interface ErrorOptions {
  /** How to fix it, printed after the message. */
  hint?: string;
  cause?: unknown;
  /** Whether trying again (later, unchanged) may succeed: a service that is down, a timeout. */
  retriable?: boolean;
}

export class StockpipeError extends Error {
  readonly exitCode: number = ExitCode.runtime;
  readonly hint?: string;
  readonly retriable: boolean;
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
    this.retriable = options.retriable ?? false;
  }
}

/** Bad flags or arguments (exit 2). */
export class UsageError extends StockpipeError {
  override readonly exitCode = ExitCode.usage;
}

/** Invalid configuration (exit 3). `problems` lists every invalid field, one line each. */
export class ConfigError extends StockpipeError {
  override readonly exitCode = ExitCode.config;
  readonly problems: string[];
  constructor(message: string, problems: string[] = [], options: ErrorOptions = {}) {
    super(message, options);
    this.problems = problems;
  }
}

/** A runtime failure: a service unreachable, a file unreadable, a query rejected (exit 1). */
export class RuntimeError extends StockpipeError {}

/** The user pressed Ctrl-C or the process got SIGTERM (exit 130). */
export class InterruptedError extends StockpipeError {
  override readonly exitCode = ExitCode.interrupted;
}

/** A bug in stockpipe itself: never the user's fault, always worth a report. */
export class InternalError extends StockpipeError {}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
