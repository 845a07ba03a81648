import { DESTINATION_KITS } from "../notify/registry";
import { SOURCE_KITS } from "../sources/registry";
import { type Field, fields, fieldsOf } from "./fields";

/** A commented stockpipe.yaml listing every field with its default, generated from the schema. */
export function starterYaml(): string {
  const lines = [
    "# stockpipe configuration. Every field is optional: the defaults target the local stack",
    "# (`stockpipe local up`). Precedence: defaults < this file < STOCKPIPE_* environment < flags.",
    "# Lines with one # are settings: uncomment and edit what you need. `stockpipe config show` prints the result.",
  ];
  let open: string[] = [];
  for (const f of fields()) {
    const parts = f.path.split(".");
    if (parts.length === 1) {
      // A top-level list of its own (sources): commented out whole, with an example.
      lines.push("", `## ${f.description}. Env: ${f.env}`, ...(EXAMPLES[f.path] ?? [`# ${f.path}: ${formatYaml(f.defaultValue)}`]));
      open = parts;
      continue;
    }
    if (parts[0] !== open[0]) lines.push("", `${parts[0]}:`);
    // Every nested object whose key changed gets its own (commented) key line.
    for (let depth = 1; depth < parts.length - 1; depth++) {
      if (parts.slice(0, depth + 1).join(".") === open.slice(0, depth + 1).join(".")) continue;
      lines.push(`${"  ".repeat(depth)}# ${parts[depth]}:`);
    }
    open = parts;
    const indent = "  ".repeat(parts.length - 1);
    const value = f.defaultValue === undefined ? "" : ` ${formatYaml(f.defaultValue)}`;
    const choices = f.values ? ` (${f.values.join(" | ")})` : "";
    lines.push(`${indent}## ${f.description}${choices}. Env: ${f.env}`);
    lines.push(`${indent}# ${parts[parts.length - 1]}:${value}`);
  }
  return `${lines.join("\n")}\n`;
}

/** Examples of the top-level lists, as commented YAML. */
const EXAMPLES: Record<string, string[]> = {
  sources: [
    "# sources:",
    "#   - { kind: alpaca, name: us-stocks, symbols: [AAPL, MSFT], topic: ticks }   # key and secret: APCA_API_KEY_ID, APCA_API_SECRET_KEY",
    "#   - { kind: finnhub, symbols: [TSLA], topic: ticks }                          # token: FINNHUB_TOKEN",
    '#   - { kind: ws, url: "wss://feed.example/stream", subscribe: \'{"op":"subscribe"}\', map: { symbol: s, price: p, ts: t }, topic: other }',
  ],
};

function formatYaml(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => JSON.stringify(x)).join(", ")}]`;
  if (typeof v === "object" && v !== null) return JSON.stringify(v);
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

const cell = (f: Field) => {
  const def = f.defaultValue === undefined ? "" : `\`${formatYaml(f.defaultValue)}\``;
  const choices = f.values ? ` (${f.values.join(", ")})` : "";
  return { def, description: `${f.description.replace(/\|/g, "\\|")}${choices}` };
};

/**
 * The config reference as Markdown (docs/configuration.md carries it): a table of every field, then each kind of
 * source with its options, as a `sources:` entry takes them and by the flag `flags` names for each (the command's).
 */
export function referenceMarkdown(flags: Record<string, string> = {}): string {
  const rows = ["| field | env | default | description |", "|---|---|---|---|"];
  for (const f of fields()) {
    const { def, description } = cell(f);
    rows.push(`| \`${f.path}\` | \`${f.env}\` | ${def} | ${description} |`);
  }
  rows.push(
    "",
    "### Sources",
    "",
    "The kinds of source, each with its options: as a `sources:` entry takes them (beside `kind`, `name` and `topic`), and",
    "the flag of `produce --source KIND` that gives each.",
  );
  for (const kit of SOURCE_KITS) {
    rows.push("", `**${kit.kind}**: ${kit.summary}.`, "", "| option | flag | default | description |", "|---|---|---|---|");
    for (const f of fieldsOf(kit.fields)) {
      const { def, description } = cell(f);
      rows.push(`| \`${f.path}\` | ${flags[f.path] ? `\`${flags[f.path]}\`` : ""} | ${def} | ${description} |`);
    }
  }
  rows.push("", "### Alert destinations", "", "The kinds of `notify.destinations` entry, each with its options (beside `kind`).");
  for (const kit of DESTINATION_KITS) {
    rows.push("", `**${kit.kind}**: ${kit.summary}.`, "", "| option | default | description |", "|---|---|---|");
    for (const f of fieldsOf(kit.fields)) {
      const { def, description } = cell(f);
      rows.push(`| \`${f.path}\` | ${def} | ${description} |`);
    }
  }
  return `${rows.join("\n")}\n`;
}
