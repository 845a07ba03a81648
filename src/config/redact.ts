import { fields } from "./fields";
import type { LoadedConfig } from "./loader";

export interface ShownField {
  path: string;
  value: unknown;
  origin: string;
  env: string;
}

/** Every field with its resolved value and origin; secrets shown as "***" (or unset). */
export function showConfig(loaded: LoadedConfig): ShownField[] {
  return fields().map((f) => {
    let value: unknown = f.path
      .split(".")
      .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], loaded.config);
    if (f.secret && value !== undefined && value !== "") value = "***";
    return { path: f.path, value, origin: loaded.origins.get(f.path) ?? "default", env: f.env };
  });
}

/** Replaces every configured secret value found inside `text` (an error message, a log line). */
export function redactSecrets(text: string, loaded: LoadedConfig): string {
  let out = text;
  for (const f of fields()) {
    if (!f.secret) continue;
    const v = f.path.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], loaded.config);
    if (typeof v === "string" && v.length >= 4) out = out.split(v).join("***");
  }
  return out;
}
