/** Options shared by several commands, declared once. */
import { Option } from "commander";
import { FORMATS } from "../ui/output";

export const formatOption = () => new Option("-f, --format <format>", "output format").choices(FORMATS).default("table");

/** Help text appended to a command: examples first, then anything else worth knowing. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join("\n")}\n`;
}
