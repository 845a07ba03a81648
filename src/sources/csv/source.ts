/**
 * CSV replay, streamed with csv-parse (never the whole file in memory). Detects the delimiter from the first
 * line, strips a BOM, accepts CRLF, quoted fields and blank lines. A record that fails is yielded as a
 * rejection with its line number and raw text; the caller decides whether that is fatal (--strict).
 */
import { createReadStream, statSync } from "node:fs";
import { basename } from "node:path";
import { Readable, Transform } from "node:stream";
import { z } from "zod";
import { fieldError, RuntimeError, UsageError } from "../../errors";
import type { CalendarBook } from "../../model/calendar";
import { finalizeTick } from "../../model/tick";
import { sourceKit } from "../kit";
import type { Source, SourceItem } from "../types";
import { checkMap, detectLayout, type Layout, type Mappable } from "./layout";
import { rowToItem } from "./row";

export interface CsvOptions {
  file: string;
  timeZone: string;
  /** The symbols' calendars: a date without a time is stamped at the session's open. */
  calendars?: CalendarBook;
  map: Partial<Record<Mappable, string>>;
  symbol?: string;
  loop: boolean;
  stdin?: Readable;
}

const DELIMITERS = [",", ";", "\t", "|"];

export function detectDelimiter(firstLine: string): string {
  let best = ",";
  let bestCount = 0;
  for (const d of DELIMITERS) {
    const count = firstLine.split(d).length - 1;
    if (count > bestCount) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}

export class CsvSource implements Source {
  readonly name: string;
  private size?: number;
  private bytesRead = 0;
  layout?: Layout;

  constructor(private readonly o: CsvOptions) {
    this.name = o.file === "-" ? "csv:stdin" : `csv:${basename(o.file)}`;
  }

  async open(): Promise<void> {
    if (this.o.file === "-") {
      if (this.o.loop) throw fieldError(UsageError, (n) => [`${n("loop")} needs a file, not stdin`]);
      return;
    }
    try {
      const st = statSync(this.o.file);
      if (st.isDirectory()) throw new RuntimeError(`${this.o.file} is a directory, not a CSV file`);
      this.size = st.size;
    } catch (err) {
      if (err instanceof RuntimeError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      const file = this.o.file;
      throw fieldError(RuntimeError, (n) => [
        code === "ENOENT"
          ? `file ${file} does not exist`
          : code === "EACCES"
            ? `file ${file} is not readable (permission denied)`
            : `cannot read ${file}: ${(err as Error).message}`,
        code === "ENOENT" ? `check the ${n("file")} path` : undefined,
      ]);
    }
  }

  progress(): number | undefined {
    return this.size ? Math.min(1, this.bytesRead / this.size) : undefined;
  }

  async *items(signal: AbortSignal): AsyncGenerator<SourceItem> {
    let iteration = 0;
    let span = 0;
    do {
      let first = Infinity;
      let last = -Infinity;
      for await (const item of this.readOnce(signal, iteration)) {
        if (item.kind === "tick") {
          first = Math.min(first, item.eventMs);
          last = Math.max(last, item.eventMs);
          if (iteration > 0) yield shifted(item, iteration * span);
          else yield item;
        } else if (iteration === 0) {
          yield item;
        }
      }
      // A loop continues the timeline: each pass is shifted by the file's span plus one average gap.
      if (iteration === 0) span = last > first ? last - first + 1 : 1000;
      iteration++;
    } while (this.o.loop && !signal.aborted);
  }

  private async *readOnce(signal: AbortSignal, iteration: number): AsyncGenerator<SourceItem> {
    const input: Readable = this.o.file === "-" ? (this.o.stdin ?? process.stdin) : createReadStream(this.o.file);
    let endsWithNewline = true;
    const counter = new Transform({
      transform: (chunk: Buffer, _enc, done) => {
        this.bytesRead += chunk.length;
        if (chunk.length) endsWithNewline = chunk[chunk.length - 1] === 0x0a || chunk[chunk.length - 1] === 0x0d;
        done(null, chunk);
      },
    });
    input.on("error", (err) => counter.destroy(err));
    input.pipe(counter);
    if (iteration === 0) this.bytesRead = 0;

    // Peek at the first chunk to choose the delimiter, then hand the whole stream, that chunk first, to csv-parse.
    const chunks = counter[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    let first: IteratorResult<Buffer>;
    try {
      first = await chunks.next();
    } catch (err) {
      throw new RuntimeError(`cannot read ${this.o.file === "-" ? "stdin" : this.o.file}: ${(err as Error).message}`);
    }
    if (first.done) return;
    const text = first.value.toString("utf8").replace(/^\uFEFF/, "");
    const firstLine = text.split(/\r?\n/).find((l) => l.trim() !== "") ?? "";
    // csv-parse is loaded when a file is read, not with every command.
    const { parse } = await import("csv-parse");
    const parser = parse({
      delimiter: detectDelimiter(firstLine),
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      relax_quotes: true,
      raw: true,
      info: true,
    });
    Readable.from(
      (async function* () {
        yield first.value;
        for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
      })(),
    )
      .on("error", (err) => parser.destroy(err))
      .pipe(parser);
    const abort = () => parser.destroy();
    signal.addEventListener("abort", abort, { once: true });
    let layout: Layout | undefined;
    let pending: SourceItem | undefined;
    try {
      for await (const rec of parser as AsyncIterable<{ record: string[]; raw: string; info: { lines: number } }>) {
        if (!layout) {
          layout = detectLayout(rec.record, this.o.map, this.o.symbol);
          this.layout = layout;
          continue;
        }
        if (pending) yield pending;
        const raw = rec.raw.replace(/\r?\n$/, "");
        pending = rowToItem(rec.record, rec.info.lines, raw, rec.info.lines, {
          layout,
          timeZone: this.o.timeZone,
          calendars: this.o.calendars,
          fixedSymbol: this.o.symbol,
          source: this.name,
        });
      }
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof UsageError || err instanceof RuntimeError) throw err;
      throw new RuntimeError(`cannot parse ${this.o.file === "-" ? "stdin" : this.o.file}: ${(err as Error).message}`);
    } finally {
      signal.removeEventListener("abort", abort);
    }
    if (!layout)
      throw new UsageError(`${this.o.file === "-" ? "stdin" : this.o.file} has no header row`, {
        hint: "the first line must name the columns",
      });
    if (pending) {
      // A last line without a line ending that fails is most likely a download cut off mid-row.
      if (pending.kind === "rejected" && !endsWithNewline)
        pending = { ...pending, detail: `${pending.detail} (the file ends mid-line: it looks cut off)` };
      yield pending;
    }
  }

  async close(): Promise<void> {}
}

function shifted(item: SourceItem & { kind: "tick" }, byMs: number): SourceItem {
  const eventMs = item.eventMs + byMs;
  const ts = new Date(eventMs).toISOString();
  const { id: _id, ...rest } = item.tick;
  return { kind: "tick", eventMs, tick: finalizeTick({ ...rest, ts }) };
}

export const csv = sourceKit({
  kind: "csv",
  summary: "a CSV file (or stdin) of ticks or daily bars, columns detected or mapped",
  fields: {
    file: z.string({ error: "is needed: a CSV file's path (or - for stdin)" }).min(1).describe("The CSV file; - reads stdin"),
    map: z.record(z.string(), z.string()).default({}).describe("Tick field → column name, for what the header does not say by itself"),
    symbol: z.string().min(1).optional().describe("The symbol of a file without a symbol column"),
    loop: z.boolean().default(false).describe("Start again at the end of the file (event times continue forward)"),
  },
  create: async (s, ctx) =>
    new CsvSource({
      file: s.file,
      timeZone: ctx.timeZone,
      calendars: ctx.calendars,
      map: checkMap(s.map),
      symbol: s.symbol?.toUpperCase(),
      loop: s.loop,
    }),
});
