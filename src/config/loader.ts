/**
 * Loads the one config: defaults < stockpipe.yaml (or --config FILE) < STOCKPIPE_* environment < flags.
 * Every value remembers where it came from, so an error can name the file, env var or flag to fix, and
 * `config show` can print the origin beside each value.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { resolve } from "node:path";
import YAML from "yaml";
import type { z } from "zod";
import { ConfigError } from "../errors";
import { childKeys, type Field, fieldByPath, fields } from "./fields";
import { configSchema, type ResolvedConfig } from "./schema";
import { closest } from "./suggest";

export interface FlagOverride {
  path: string;
  value: unknown;
  /** The flag as the user typed it, e.g. `--brokers`. */
  flag: string;
}

export interface LoadOptions {
  configFile?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  flags?: FlagOverride[];
}

export interface LoadedConfig {
  config: ResolvedConfig;
  /** Leaf path → "default" | "file <path>" | "env <NAME>" | "flag <--name>". */
  origins: Map<string, string>;
  file?: string;
  warnings: string[];
}

type Tree = Record<string, unknown>;
const DEFAULT_FILES = ["stockpipe.yaml", "stockpipe.yml"];
/** STOCKPIPE_* variables that are not config fields. */
const OTHER_ENV = new Set(["STOCKPIPE_CONFIG"]);

export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const origins = new Map<string, string>();
  const warnings: string[] = [];

  const file = findConfigFile(options.configFile ?? env.STOCKPIPE_CONFIG, cwd, options.configFile ? "--config" : "STOCKPIPE_CONFIG");
  const fromFile = file ? readConfigFile(file) : {};
  if (file) recordOrigins(fromFile, [], `file ${file}`, origins);

  const fromEnv: Tree = {};
  const problems: string[] = [];
  const known = new Set(fields().map((f) => f.env));
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith("STOCKPIPE_") || raw === undefined || OTHER_ENV.has(name)) continue;
    if (!known.has(name)) {
      const guess = closest(name, known);
      warnings.push(`ignoring unknown environment variable ${name}${guess ? ` (did you mean ${guess}?)` : ""}`);
    }
  }
  for (const f of fields()) {
    const raw = env[f.env];
    if (raw === undefined) continue;
    const value = coerce(f, raw);
    setPath(fromEnv, f.path, value);
    origins.set(f.path, `env ${f.env}`);
  }

  const fromFlags: Tree = {};
  for (const o of options.flags ?? []) {
    if (o.value === undefined) continue;
    const f = fieldByPath(o.path);
    setPath(fromFlags, o.path, f && typeof o.value === "string" ? coerce(f, o.value) : o.value);
    origins.set(o.path, `flag ${o.flag}`);
  }

  const merged = deepMerge(deepMerge(fromFile, fromEnv), fromFlags);
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    for (const issue of result.error.issues) problems.push(...describeIssue(issue, merged, origins, file));
    throw new ConfigError(`the configuration has ${problems.length} problem${problems.length === 1 ? "" : "s"}`, problems, {
      hint: "fix the values above; `stockpipe config show` prints every field with its origin, `stockpipe config init` writes a commented starter file",
    });
  }
  const config = result.data;
  config.local.dir = expandHome(config.local.dir);
  for (const f of fields()) if (!origins.has(f.path)) origins.set(f.path, "default");
  return { config, origins, file, warnings };
}

function findConfigFile(explicit: string | undefined, cwd: string, via: string): string | undefined {
  if (explicit) {
    const path = resolve(cwd, explicit);
    if (!existsSync(path)) {
      throw new ConfigError(`config file ${explicit} (from ${via}) does not exist`, [], {
        hint: "check the path, or run `stockpipe config init` to write one",
      });
    }
    return path;
  }
  for (const name of DEFAULT_FILES) {
    const path = resolve(cwd, name);
    if (existsSync(path)) return path;
  }
  return undefined;
}

function readConfigFile(path: string): Tree {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  const doc = YAML.parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      const at = e.linePos?.[0];
      return `${path}${at ? `:${at.line}:${at.col}` : ""}: ${e.message.split("\n")[0]}`;
    });
    throw new ConfigError(`config file ${path} is not valid YAML`, problems);
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return {};
  if (!isTree(value)) {
    throw new ConfigError(
      `config file ${path} must be a YAML mapping of sections (kafka:, cassandra:, …), not a ${Array.isArray(value) ? "list" : typeof value}`,
    );
  }
  return withoutNulls(value);
}

/** A key left empty in YAML (`kafka:` with everything below commented out) means "not set", not null. */
function withoutNulls(tree: Tree): Tree {
  const out: Tree = {};
  for (const [k, v] of Object.entries(tree)) {
    if (v === null) continue;
    out[k] = isTree(v) ? withoutNulls(v) : v;
  }
  return out;
}

function recordOrigins(tree: Tree, path: string[], origin: string, origins: Map<string, string>): void {
  for (const [key, value] of Object.entries(tree)) {
    const p = [...path, key];
    const f = fieldByPath(p.join("."));
    if (!f && isTree(value)) recordOrigins(value, p, origin, origins);
    else origins.set(p.join("."), origin);
  }
}

/** Turns an env var or flag string into the field's type; what does not convert is left for the schema to report. */
function coerce(f: Field, raw: string): unknown {
  const s = raw.trim();
  switch (f.kind) {
    case "number":
      return /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : raw;
    case "boolean": {
      const v = s.toLowerCase();
      if (["true", "1", "yes", "on"].includes(v)) return true;
      if (["false", "0", "no", "off"].includes(v)) return false;
      return raw;
    }
    case "list":
      return s === ""
        ? []
        : s
            .split(",")
            .map((x) => x.trim())
            .filter(Boolean);
    case "map": {
      // A file's form works too: {HSI: XHKG, "*.HK": XHKG} (YAML or JSON), beside HSI:XHKG,*.HK:XHKG.
      if (s.startsWith("{")) {
        try {
          const parsed: unknown = YAML.parse(s);
          if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed;
        } catch {
          return raw;
        }
        return raw;
      }
      const out: Record<string, unknown> = {};
      for (const pair of s
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean)) {
        const at = pair.indexOf(":");
        const k = (at < 0 ? pair : pair.slice(0, at)).trim();
        const v = at < 0 ? undefined : pair.slice(at + 1).trim();
        out[k] = v !== undefined && /^\d+$/.test(v) ? Number(v) : v;
      }
      return out;
    }
    default:
      return raw;
  }
}

function describeIssue(issue: z.core.$ZodIssue, merged: Tree, origins: Map<string, string>, file: string | undefined): string[] {
  const base = issue.path.filter((p): p is string | number => typeof p !== "symbol");
  if (issue.code === "unrecognized_keys") {
    const parent = base.join(".");
    return issue.keys.map((key) => {
      const path = parent ? `${parent}.${key}` : key;
      const guess = closest(key, childKeys(parent));
      return `${path}: unknown key${guess ? ` (did you mean ${parent ? `${parent}.` : ""}${guess}?)` : ""} — ${fromWhere(path, origins, file)}`;
    });
  }
  const path = formatPath(base);
  const value = getPath(merged, base);
  const shown = value === undefined ? "" : ` = ${JSON.stringify(value)}`;
  let message = issue.message.replace(/^Invalid input: /, "");
  if (issue.code === "invalid_value" && "values" in issue) message = `must be one of ${issue.values.join(", ")}`;
  return [`${path}${shown}: ${message} — ${fromWhere(base.filter((p) => typeof p === "string").join("."), origins, file)}`];
}

function fromWhere(path: string, origins: Map<string, string>, file: string | undefined): string {
  let p = path;
  while (p) {
    const o = origins.get(p);
    if (o) return `from ${o}`;
    p = p.includes(".") ? p.slice(0, p.lastIndexOf(".")) : "";
  }
  return file ? `from file ${file}` : "from the rules between fields";
}

function formatPath(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

function isTree(v: unknown): v is Tree {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function setPath(tree: Tree, path: string, value: unknown): void {
  const parts = path.split(".");
  let node = tree;
  for (const part of parts.slice(0, -1)) {
    if (!isTree(node[part])) node[part] = {};
    node = node[part] as Tree;
  }
  node[parts[parts.length - 1]!] = value;
}

function getPath(tree: unknown, path: (string | number)[]): unknown {
  let node: unknown = tree;
  for (const p of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string | number, unknown>)[p];
  }
  return node;
}

/** Merges sections key by key; a leaf (a list, a map such as dataCenters) from `b` replaces `a`'s whole. */
function deepMerge(a: Tree, b: Tree, prefix = ""): Tree {
  const out: Tree = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const path = prefix ? `${prefix}.${k}` : k;
    out[k] = isTree(v) && isTree(out[k]) && !fieldByPath(path) ? deepMerge(out[k] as Tree, v, path) : v;
  }
  return out;
}

export function expandHome(p: string): string {
  return p === "~" || p.startsWith("~/") ? homedir() + p.slice(1) : p;
}
