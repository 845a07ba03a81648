/** One CSV record → a valid tick or a rejection with its reason. */

import type { CalendarBook } from "../../model/calendar";
import { finalizeTick, type Tick, toIsoMs, validateTick } from "../../model/tick";
import { parseMarketDate, tradingDay } from "../../model/time";
import type { SourceItem } from "../types";
import type { Layout, Mappable } from "./layout";

const NULLS = new Set(["null", "nan", "n/a", "na", "none", "-", "#n/a", "nil", "undefined"]);
const NUMBER = /^[+-]?(\d+(\.\d+)?|\.\d+)([eE][+-]?\d+)?$/;
const NUMERIC_FIELDS: Mappable[] = ["price", "open", "high", "low", "close", "adjClose", "volume", "bid", "ask", "bidSize", "askSize"];

export interface RowContext {
  layout: Layout;
  timeZone: string;
  /** The symbols' calendars: a date without a time is stamped at the symbol's session open that day. */
  calendars?: CalendarBook;
  fixedSymbol?: string;
  source: string;
}

function reject(reason: string, detail: string, line: number, raw: string): SourceItem {
  return { kind: "rejected", reason, detail, line, raw };
}

/** "price" or, when the column is named otherwise, "price (Close)". */
function named(field: string, header: string): string {
  return field.toLowerCase() === header.trim().toLowerCase() ? field : `${field} (${header})`;
}

function parseNumber(s: string): number | undefined {
  const t = s.trim().replace(/^\$/, "");
  return NUMBER.test(t) ? Number(t) : undefined;
}

export function rowToItem(record: string[], line: number, raw: string, seq: number, ctx: RowContext): SourceItem {
  const { layout } = ctx;
  if (record.length !== layout.header.length) {
    return reject("wrong column count", `${record.length} columns where the header has ${layout.header.length}`, line, raw);
  }
  const cols = layout.columns;
  for (const [field, idx] of Object.entries(cols) as [Mappable, number][]) {
    const v = record[idx]!.trim();
    if (NULLS.has(v.toLowerCase()))
      return reject("null placeholder", `${named(field, layout.header[idx]!)} is a null placeholder ${JSON.stringify(v)}`, line, raw);
  }
  for (const idx of layout.numeric) {
    const v = record[idx]!.trim();
    if (v !== "" && parseNumber(v) === undefined)
      return reject(`${layout.header[idx]} not a number`, `${layout.header[idx]} ${JSON.stringify(v)} is not a number`, line, raw);
  }
  const symbolRaw = cols.symbol !== undefined ? record[cols.symbol]!.trim() : (ctx.fixedSymbol ?? "");
  const tsRaw = record[cols.ts!]!.trim();
  let eventMs = parseMarketDate(tsRaw, ctx.timeZone);
  if (eventMs === undefined) return reject("unparseable date", `cannot read the date ${JSON.stringify(tsRaw)}`, line, raw);
  // A date without a time (a daily price file): the day's trading starts at its session's open.
  if (ctx.calendars && !tsRaw.includes(":") && !/^\d+(\.\d+)?$/.test(tsRaw)) {
    const open = ctx.calendars.of(symbolRaw.toUpperCase()).sessionOn(tradingDay(eventMs, ctx.timeZone))?.open;
    if (open !== undefined) eventMs = open;
  }

  const tick: Record<string, unknown> = { symbol: symbolRaw.toUpperCase(), ts: toIsoMs(eventMs) };
  for (const field of NUMERIC_FIELDS) {
    const idx = cols[field];
    if (idx === undefined) continue;
    const v = record[idx]!.trim();
    if (v === "") {
      if (field === "price") return reject("price not a number", "price is empty", line, raw);
      continue;
    }
    const n = parseNumber(v);
    if (n === undefined)
      return reject(`${field} not a number`, `${named(field, layout.header[idx]!)} ${JSON.stringify(v)} is not a number`, line, raw);
    tick[field] = n;
  }
  if (cols.currency !== undefined && record[cols.currency]!.trim()) tick.currency = record[cols.currency]!.trim().toUpperCase();
  if (cols.seq !== undefined && record[cols.seq]!.trim()) {
    const n = parseNumber(record[cols.seq]!);
    if (n === undefined) return reject("seq not a number", `seq ${JSON.stringify(record[cols.seq])} is not a number`, line, raw);
    tick.seq = n;
  } else {
    tick.seq = seq;
  }
  tick.source = ctx.source;
  const invalid = validateTick(tick);
  if (invalid) return reject(invalid.reason, invalid.detail, line, raw);
  return { kind: "tick", tick: finalizeTick(tick as unknown as Tick), eventMs };
}
