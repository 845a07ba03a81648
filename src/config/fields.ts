/** The config schema seen as a flat list of leaf fields: for env vars, `config show`, `config init`, docs. */
import type { z } from "zod";
import { configSchema, type SecretRule, secretFields } from "./schema";

export type FieldKind = "string" | "number" | "boolean" | "enum" | "list" | "map";

export interface Field {
  path: string;
  kind: FieldKind;
  description: string;
  defaultValue: unknown;
  values?: string[];
  /** How it is kept out of output, where it can carry a secret (schema.ts `secret`). */
  secret?: SecretRule;
  env: string;
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  entries?: Record<string, string>;
  defaultValue?: unknown;
}

const def = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** `kafka.clientId` → `STOCKPIPE_KAFKA_CLIENT_ID` */
export function envName(path: string): string {
  return (
    "STOCKPIPE_" +
    path
      .split(".")
      .map((seg) => seg.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase())
      .join("_")
  );
}

function walk(schema: z.ZodType, path: string[], description: string | undefined, out: Field[]): void {
  let s = schema;
  let desc = description ?? s.description;
  let defaultValue: unknown;
  let secret = secretFields.get(s)?.secret;
  // Unwrap default/prefault/optional/pipe wrappers, keeping the outermost description and default.
  for (;;) {
    const d = def(s);
    if (d.type === "default" && defaultValue === undefined) defaultValue = d.defaultValue;
    const inner = d.type === "pipe" ? d.in : d.innerType;
    if (!inner || !["default", "prefault", "optional", "nullable", "pipe"].includes(d.type)) break;
    s = inner;
    desc ??= s.description;
    secret ??= secretFields.get(s)?.secret;
  }
  const d = def(s);
  if (d.type === "object" && d.shape) {
    for (const [key, child] of Object.entries(d.shape)) walk(child, [...path, key], undefined, out);
    return;
  }
  const kind: FieldKind =
    d.type === "array"
      ? "list"
      : d.type === "record"
        ? "map"
        : d.type === "enum"
          ? "enum"
          : d.type === "boolean"
            ? "boolean"
            : d.type === "number"
              ? "number"
              : "string";
  const p = path.join(".");
  out.push({
    path: p,
    kind,
    description: desc ?? "",
    defaultValue,
    values: kind === "enum" && d.entries ? Object.values(d.entries) : undefined,
    secret,
    env: envName(p),
  });
}

/** The leaf fields of an object's shape (a component kit's options), by their key. */
export function fieldsOf(shape: Record<string, z.ZodType>): Field[] {
  const out: Field[] = [];
  for (const [key, child] of Object.entries(shape)) walk(child, [key], undefined, out);
  return out;
}

let cache: Field[] | undefined;
export function fields(): Field[] {
  if (!cache) {
    cache = [];
    walk(configSchema, [], undefined, cache);
  }
  return cache;
}

export function fieldByPath(path: string): Field | undefined {
  return fields().find((f) => f.path === path);
}

/** Keys allowed directly under `prefix` ("" for the top level), for did-you-mean suggestions. */
export function childKeys(prefix: string): string[] {
  const keys = new Set<string>();
  const depth = prefix ? prefix.split(".").length : 0;
  for (const f of fields()) {
    if (prefix && !f.path.startsWith(`${prefix}.`)) continue;
    const seg = f.path.split(".")[depth];
    if (seg) keys.add(seg);
  }
  return [...keys];
}
