/**
 * Secrets kept out of output by the rule each field declares (schema.ts `secret`): the config as it may be shown,
 * and every secret value found in a text replaced. Fields inside lists and maps (a source's URL, a notify
 * destination's webhook) are found by walking the schema beside the value.
 */
import type { z } from "zod";
import { fields } from "./fields";
import type { LoadedConfig } from "./loader";
import { configSchema, type SecretRule, secretFields } from "./schema";

export interface ShownField {
  path: string;
  value: unknown;
  origin: string;
  env: string;
}

const HIDDEN = "***";

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  valueType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
}
const def = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** `value` with every string a secret rule covers replaced by `replace(rule, string)`. */
function mapSecrets(schema: z.ZodType, value: unknown, replace: (rule: SecretRule, text: string) => unknown): unknown {
  if (value === undefined || value === null) return value;
  let s = schema;
  let rule = secretFields.get(s)?.secret;
  for (;;) {
    const d = def(s);
    const inner = d.type === "pipe" ? d.in : d.innerType;
    if (!inner || !["default", "prefault", "optional", "nullable", "pipe", "catch", "readonly"].includes(d.type)) break;
    s = inner;
    rule ??= secretFields.get(s)?.secret;
  }
  if (rule && typeof value === "string") return replace(rule, value);
  const d = def(s);
  if (d.type === "object" && d.shape && typeof value === "object") {
    const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const [key, child] of Object.entries(d.shape)) if (key in out) out[key] = mapSecrets(child, out[key], replace);
    return out;
  }
  if (d.type === "record" && d.valueType && typeof value === "object") {
    const valueType = d.valueType;
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, mapSecrets(valueType, v, replace)]));
  }
  if (d.type === "array" && d.element && Array.isArray(value)) {
    const element = d.element;
    return value.map((v) => mapSecrets(element, v, replace));
  }
  // A union's members each cover their own fields; the value passes through all of them.
  if (d.type === "union" && d.options) return d.options.reduce<unknown>((v, option) => mapSecrets(option, v, replace), value);
  return value;
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** How a secret-bearing value is shown. */
export function shownSecret(rule: SecretRule, text: string): string {
  if (rule === "env") return text;
  if (rule === "value") return text === "" ? text : HIDDEN;
  const u = parseUrl(text);
  if (!u) return rule === "webhook" ? HIDDEN : text;
  if (rule === "webhook") return `${u.protocol}//${u.host}/${HIDDEN}`;
  if (u.password) u.password = HIDDEN;
  for (const k of [...u.searchParams.keys()]) u.searchParams.set(k, HIDDEN);
  return decoded(u.toString());
}

/** Percent-decoded, or as it is where it is not valid percent-encoding. */
function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The parts of a secret-bearing value that must never appear in output. */
function secretParts(rule: SecretRule, text: string, env: NodeJS.ProcessEnv): string[] {
  if (rule === "value") return [text];
  if (rule === "env") {
    const v = env[text];
    return v ? [v, ...(parseUrl(v) ? secretParts("webhook", v, env) : [])] : [];
  }
  const u = parseUrl(text);
  if (!u) return rule === "webhook" ? [text] : [];
  const parts = [u.password, decoded(u.password), ...[...u.searchParams.values()]];
  if (rule === "webhook") parts.push(text, `${u.pathname}${u.search}`, u.pathname.slice(1));
  return parts;
}

/** The config with every secret shown as its rule says. */
export function shownConfig(loaded: LoadedConfig): unknown {
  return mapSecrets(configSchema, loaded.config, shownSecret);
}

/** Every field with its value as it may be shown, and its origin. */
export function showConfig(loaded: LoadedConfig): ShownField[] {
  const shown = shownConfig(loaded);
  return fields().map((f) => {
    const value = f.path.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], shown);
    return { path: f.path, value, origin: loaded.origins.get(f.path) ?? "default", env: f.env };
  });
}

/** The secret strings of a config (and of the variables it names), longest first. */
export function configSecrets(loaded: LoadedConfig, env: NodeJS.ProcessEnv = process.env): string[] {
  const found = new Set<string>();
  mapSecrets(configSchema, loaded.config, (rule, text) => {
    for (const part of secretParts(rule, text, env)) if (part.length >= 4) found.add(part);
    return text;
  });
  return [...found].sort((a, b) => b.length - a.length);
}

/** Replaces every secret of the config found inside `text` (an error message, a log line, a header). */
export function redactSecrets(text: string, loaded: LoadedConfig): string {
  return redactor(loaded)(text);
}

/**
 * A function that masks the config's secrets in a text, with the secrets found once (it runs on every log line
 * and dead letter). Made again after a command fills in a secret (the local stack's S3 keys, made by its first
 * start).
 */
export function redactor(loaded: LoadedConfig): (text: string) => string {
  const secrets = configSecrets(loaded);
  if (secrets.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(HIDDEN);
    return out;
  };
}
