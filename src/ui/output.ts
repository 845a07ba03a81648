/** Rows to stdout as a table, a JSON array or CSV. */
import Table from "cli-table3";
import { chalk, colorEnabled } from "../log";

export type Format = "table" | "json" | "csv";
export const FORMATS: Format[] = ["table", "json", "csv"];

export interface Column {
  key: string;
  header?: string;
  align?: "left" | "right";
}

export type Row = Record<string, unknown>;

export function renderRows(rows: Row[], columns: Column[], format: Format): string {
  if (format === "json")
    return `${JSON.stringify(
      rows.map((r) => pick(r, columns)),
      jsonReplacer,
      2,
    )}\n`;
  if (format === "csv") return toCsv(rows, columns);
  const table = new Table({
    head: columns.map((c) => c.header ?? c.key),
    colAligns: columns.map((c) => c.align ?? "left"),
    // Compact, as psql, DuckDB and cqlsh print: a rule under the header, none between rows.
    style: { compact: true, head: colorEnabled() ? ["cyan"] : [], border: colorEnabled() ? ["grey"] : [] },
  });
  for (const r of rows) table.push(columns.map((c) => cell(r[c.key])));
  return `${table.toString()}\n`;
}

export function printRows(rows: Row[], columns: Column[], format: Format): void {
  process.stdout.write(renderRows(rows, columns, format));
}

/** A single object (a summary, a status) as JSON, or as a two-column table. */
export function printRecord(record: Row, format: Format): void {
  if (format === "json") {
    process.stdout.write(`${JSON.stringify(record, jsonReplacer, 2)}\n`);
    return;
  }
  const rows = Object.entries(record).map(([key, value]) => ({ key, value }));
  printRows(rows, [{ key: "key", header: "field" }, { key: "value" }], format);
}

function pick(r: Row, columns: Column[]): Row {
  const out: Row = {};
  for (const c of columns) out[c.key] = r[c.key];
  return out;
}

function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

export function cell(v: unknown): string {
  if (v === null || v === undefined) return colorEnabled() ? chalk.dim("—") : "";
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(cell).join(", ");
  if (typeof v === "object") return JSON.stringify(v, jsonReplacer);
  return String(v);
}

function csvValue(v: unknown): string {
  const s =
    v === null || v === undefined
      ? ""
      : v instanceof Date
        ? v.toISOString()
        : typeof v === "object"
          ? JSON.stringify(v, jsonReplacer)
          : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csvLine(values: unknown[]): string {
  return values.map(csvValue).join(",");
}

function toCsv(rows: Row[], columns: Column[]): string {
  const lines = [csvLine(columns.map((c) => c.header ?? c.key))];
  for (const r of rows) lines.push(csvLine(columns.map((c) => r[c.key])));
  return `${lines.join("\n")}\n`;
}

/** Widest a streamed table column grows from its first rows; longer cells are printed whole. */
const STREAM_COLUMN_MAX = 40;

/**
 * Rows printed as they arrive, for commands that follow a stream: JSON lines, CSV under one header line, or
 * aligned columns under one header (widths from the rows so far).
 */
export class RowStream {
  /** The header has been printed. */
  private started = false;
  /** Column widths of the aligned table so far. */
  private widths: number[] = [];

  constructor(
    private readonly columns: Column[],
    private readonly format: Format,
  ) {}

  write(rows: Row[]): void {
    if (rows.length === 0) return;
    const out: string[] = [];
    if (this.format === "json") for (const r of rows) out.push(JSON.stringify(pick(r, this.columns), jsonReplacer));
    else if (this.format === "csv") {
      if (!this.started) out.push(csvLine(this.columns.map((c) => c.header ?? c.key)));
      for (const r of rows) out.push(csvLine(this.columns.map((c) => r[c.key])));
    } else out.push(...this.aligned(rows));
    this.started = true;
    process.stdout.write(`${out.join("\n")}\n`);
  }

  private aligned(rows: Row[]): string[] {
    const cells = rows.map((r) => this.columns.map((c) => cell(r[c.key])));
    const out: string[] = [];
    const heads = this.columns.map((c) => c.header ?? c.key);
    // Columns grow to fit later rows too (up to a limit): a wider value shifts the lines after it, not before.
    this.widths = heads.map((h, i) =>
      Math.max(this.widths[i] ?? 0, Math.min(STREAM_COLUMN_MAX, Math.max(h.length, ...cells.map((row) => visible(row[i]!))))),
    );
    if (!this.started) out.push(this.line(heads, true), this.widths.map((w) => "─".repeat(w)).join("─┼─"));
    for (const row of cells) out.push(this.line(row, false));
    return out;
  }

  private line(values: string[], head: boolean): string {
    const text = values
      .map((v, i) => {
        const pad = " ".repeat(Math.max(0, this.widths[i]! - visible(v)));
        return this.columns[i]!.align === "right" ? pad + v : v + pad;
      })
      .join(" │ ")
      .trimEnd();
    return head && colorEnabled() ? chalk.cyan(text) : text;
  }
}

/** Length on screen, without colour codes. */
function visible(text: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes
  return text.replace(/\x1b\[[0-9;]*m/g, "").length;
}

/** `1 message`, `3 messages`, `1,200 messages`. */
export function plural(count: number, word: string): string {
  return `${count.toLocaleString("en-US")} ${word}${count === 1 ? "" : "s"}`;
}
