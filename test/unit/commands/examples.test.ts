/**
 * Every example in every command's --help, and every `stockpipe …` line of the README and the docs, parsed by the
 * real program with the commands' work switched off: each names flags and choices that exist, points at files a
 * user has (no path into this project's own neighbours), and serves on no port the local stack holds. What an
 * example then does is the tour's and each command's tests' to show.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../../../src/commands/program";

const ROOT = join(__dirname, "..", "..", "..");

/** The program with every command's action replaced by nothing, and help/errors captured instead of printed. */
function quietProgram(): { program: Command; all: Command[] } {
  const program = buildProgram();
  const all: Command[] = [];
  const walk = (c: Command) => {
    all.push(c);
    c.exitOverride();
    c.configureOutput({ writeOut: () => {}, writeErr: () => {} });
    if (c !== program) c.action(() => {});
    for (const sub of c.commands) walk(sub);
  };
  walk(program);
  return { program, all };
}

/** The text a command prints after its help: its examples. */
function helpAfter(c: Command): string {
  let text = "";
  c.configureOutput({ writeOut: (s) => (text += s), writeErr: () => {} });
  try {
    c.outputHelp();
  } finally {
    c.configureOutput({ writeOut: () => {}, writeErr: () => {} });
  }
  return text;
}

/** Words as a shell splits them (double and single quotes), each with whether it was quoted. */
function words(command: string): { word: string; quoted: boolean }[] {
  return [...command.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g)].map((m) => ({
    word: m[1] ?? m[2] ?? m[3]!,
    quoted: m[3] === undefined,
  }));
}

const ASSIGNMENT = /^[A-Z_][A-Z0-9_]*=/;

/** The stockpipe invocations in an example line: env assignments, comments, eval, pipes and redirections taken off. */
function invocations(line: string): string[][] {
  const noComment = line.replace(/\s+#\s.*$/, "");
  const inner = /eval "\$\((stockpipe [^)]*)\)"/.exec(noComment);
  const commands: string[][] = [[]];
  let skipping = false;
  for (const { word, quoted } of words(inner ? inner[1]! : noComment)) {
    if (!quoted && ["&&", ";", "||"].includes(word)) {
      commands.push([]);
      skipping = false;
    } else if (!quoted && /^(\||>|>>|2>|<)$/.test(word)) skipping = true;
    else if (!skipping) commands.at(-1)!.push(word);
  }
  return commands
    .map((w) => w.filter((x, i) => !(ASSIGNMENT.test(x) && w.slice(0, i + 1).every((y) => ASSIGNMENT.test(y)))))
    .filter((w) => w[0] === "stockpipe" || (w[0] === "npx" && w[1] === "stockpipe"))
    .map((w) => (w[0] === "npx" ? w.slice(2) : w.slice(1)));
}

/** The contents of a Markdown file's fenced code blocks, fences paired in order. */
function codeBlocks(text: string): string[] {
  const blocks: string[] = [];
  let open: string[] | undefined;
  for (const line of text.split("\n")) {
    if (/^```/.test(line)) {
      if (open) blocks.push(open.join("\n"));
      open = open ? undefined : [];
    } else open?.push(line);
  }
  return blocks;
}

const STACK_PORTS = new Set(["9092", "9093", "9042", "7000", "9000"]);

function check(args: string[], where: string): void {
  const { program } = quietProgram();
  try {
    program.parse(["node", "stockpipe", ...args]);
  } catch (err) {
    const code = (err as { code?: string }).code ?? "";
    if (!/helpDisplayed|commander\.help$|version/.test(code))
      throw new Error(`${where}: stockpipe ${args.join(" ")}: ${(err as Error).message}`);
  }
  for (const [i, w] of args.entries()) {
    expect(w, `${where}: a path outside what a user has`).not.toMatch(/\.\.\/shared\//);
    if (["--port", "--dashboard", "--metrics-port"].includes(args[i - 1] ?? "")) {
      expect(STACK_PORTS.has(w.split(":").pop()!), `${where}: ${args[i - 1]} ${w} is a port the local stack uses`).toBe(false);
    }
    if (/^(data|stack)\//.test(w)) expect(existsSync(join(ROOT, w)), `${where}: ${w} exists`).toBe(true);
  }
}

describe("examples as a user pastes them", () => {
  it("every --help example parses: flags, choices and arguments that exist", () => {
    const { all } = quietProgram();
    let count = 0;
    for (const c of all) {
      const name = c.name();
      for (const line of helpAfter(c).split("\n")) {
        const m = /^\s+\$ (.*)$/.exec(line);
        if (!m) continue;
        for (const args of invocations(m[1]!)) {
          check(args, `${name} --help`);
          count++;
        }
      }
    }
    expect(count).toBeGreaterThan(80);
  });

  it("every `stockpipe …` line of the README and the docs parses", () => {
    const files = [
      "README.md",
      ...readdirSync(join(ROOT, "docs"))
        .filter((f) => f.endsWith(".md"))
        .map((f) => join("docs", f)),
    ];
    let count = 0;
    for (const file of files) {
      const text = readFileSync(join(ROOT, file), "utf8");
      for (const block of codeBlocks(text)) {
        // A line ending in a backslash goes on on the next one, as in a shell.
        for (const raw of block.replace(/\\\n\s*/g, " ").split("\n")) {
          const line = raw.replace(/^\$ /, "");
          if (!/^(\S+=\S+\s+)*(npx )?stockpipe |eval "\$\(stockpipe/.test(line)) continue;
          for (const args of invocations(line)) {
            check(args, file);
            count++;
          }
        }
      }
    }
    expect(count).toBeGreaterThan(60);
  });

  it("reads a line as the shell would", () => {
    expect(invocations("STOCKPIPE_KAFKA_TOPIC=q stockpipe tail q -n 5   # the last five")).toEqual([["tail", "q", "-n", "5"]]);
    expect(invocations('eval "$(stockpipe local env --profile secure)"')).toEqual([["local", "env", "--profile", "secure"]]);
    expect(invocations("stockpipe local up && stockpipe doctor")).toEqual([["local", "up"], ["doctor"]]);
    expect(invocations('stockpipe query "SELECT 1" -f csv > out.csv')).toEqual([["query", "SELECT 1", "-f", "csv"]]);
  });
});
