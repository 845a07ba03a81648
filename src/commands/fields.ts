/**
 * Lower layers name the option fields a bad value came from (`fieldError`); this says such an error again with
 * the flags the user typed, so `from yesterday must be …` reads `--from yesterday must be …`.
 */
import { StockpipeError } from "../errors";
import type { CommandContext } from "./context";

/** Runs `fn`; an error naming option fields is renamed with `names` (field → flag; fields it lacks keep their name). */
export async function withFlagNames<T>(names: Record<string, string>, fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw renamed(err, names);
  }
}

export function renamed(err: unknown, names: Record<string, string>): unknown {
  return err instanceof StockpipeError ? err.rename((field) => names[field] ?? field) : err;
}

/**
 * How to name a config field in an error: the flag that set it (`--from`), else the field and where its value
 * came from (`consumer.from (file stockpipe.yaml)`).
 */
export function configFieldName(ctx: Pick<CommandContext, "loaded">, path: string): string {
  const origin = ctx.loaded.origins.get(path) ?? "default";
  if (origin.startsWith("flag ")) return origin.slice("flag ".length);
  return `${path} (${origin})`;
}
