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
  /** Words the message and hint again with each option field named as the caller knows it (see `fieldError`). */
  words?: Wording;
}

/** How a caller names an option field: the command layer by its flag (`from` → `--from`). */
export type Naming = (field: string) => string;
/** A message and hint that name option fields through `name`. */
export type Wording = (name: Naming) => [message: string, hint?: string];

export class StockpipeError extends Error {
  readonly exitCode: number = ExitCode.runtime;
  /** Mutable so that a caller who knows more (the command layer knows its flags) can give a better fix. */
  hint?: string;
  readonly retriable: boolean;
  readonly words?: Wording;
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
    this.retriable = options.retriable ?? false;
    this.words = options.words;
  }

  /** Says the message and hint again naming option fields with `name` (a no-op for an error that names none). */
  rename(name: Naming): this {
    if (!this.words) return this;
    const [message, hint] = this.words(name);
    this.message = message;
    this.hint = hint;
    return this;
  }
}

/**
 * An error about option fields, for layers below the command layer: `words` names each field through its
 * argument, by the field's own name here (`from yesterday must be …`) and by its flag once the command layer
 * renames it (`--from yesterday must be …`).
 */
export function fieldError<E extends StockpipeError>(
  Kind: new (message: string, options?: ErrorOptions) => E,
  words: Wording,
  options: Omit<ErrorOptions, "words" | "hint"> = {},
): E {
  const [message, hint] = words((field) => field);
  return new Kind(message, { ...options, hint, words });
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

/**
 * Whether retrying may help. Components map their failures to StockpipeErrors that say so; anything else is
 * a failure nobody anticipated, and retrying it would only hide it.
 */
export function isRetriable(err: unknown): boolean {
  return err instanceof StockpipeError && err.retriable;
}

/** A failure as a StockpipeError: as it is if it is one, else an InternalError naming what was being done. */
export function asStockpipeError(err: unknown, doing: string): StockpipeError {
  if (err instanceof StockpipeError) return err;
  return new InternalError(`unexpected failure while trying to ${doing}: ${errorMessage(err)}`, {
    cause: err,
    hint: "rerun with --log-level debug for the stack trace, and report it",
  });
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
