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
    style: { head: colorEnabled() ? ["cyan"] : [], border: colorEnabled() ? ["grey"] : [] },
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

function toCsv(rows: Row[], columns: Column[]): string {
  const esc = (v: unknown): string => {
    const s =
      v === null || v === undefined
        ? ""
        : v instanceof Date
          ? v.toISOString()
          : typeof v === "object"
            ? JSON.stringify(v, jsonReplacer)
            : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [columns.map((c) => esc(c.header ?? c.key)).join(",")];
  for (const r of rows) lines.push(columns.map((c) => esc(r[c.key])).join(","));
  return `${lines.join("\n")}\n`;
}
