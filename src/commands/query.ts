import { readFileSync } from "node:fs";
import { type Command, Option } from "commander";
import { RuntimeError, UsageError } from "../errors";
import { log } from "../log";
import { defaultEngine, ENGINE_NAMES } from "../query/registry";
import { printRows } from "../ui/output";
import { onInterrupt } from "../ui/signals";
import { spinner } from "../ui/spinner";
import { type CommandContext, commandContext } from "./context";
import { examples, formatOption } from "./options";

export function registerQuery(program: Command): void {
  program
    .command("query")
    .description("run a statement and print the rows: CQL on Cassandra, or SQL over the lake on Athena or locally with DuckDB")
    .argument("[statement]", "the statement; or --file, or stdin")
    .option("--file <path>", "read the statement from a file")
    .addOption(new Option("--engine <engine>", "query engine (default: cql, or local for lake SQL over ticks)").choices(ENGINE_NAMES))
    .addOption(formatOption())
    .addHelpText(
      "after",
      `${examples(
        'stockpipe query "SELECT * FROM stockpipe.latest_ticks"',
        "stockpipe query \"SELECT ts, price FROM ticks WHERE symbol = 'HSI' AND day = '2010-01-08' AND bucket = 0\" -f json",
        "stockpipe query --file report.cql -f csv > report.csv",
        'stockpipe query --engine local "SELECT symbol, dt, max(price) AS high FROM ticks GROUP BY symbol, dt ORDER BY dt"',
        "stockpipe query --engine athena \"SELECT count(*) FROM ticks WHERE dt = '2024-03-15'\"",
      )}\nCQL tables are looked up in cassandra.keyspace unless the statement names a keyspace; in lake SQL, ticks is the lake table and dt its date partition.\n`,
    )
    .action(async (statement: string | undefined, opts: { file?: string; engine?: string }, cmd: Command) => {
      await queryCommand(commandContext(cmd), statement, opts);
    });
}

async function readStatement(statement: string | undefined, file: string | undefined): Promise<string> {
  if (statement && file) throw new UsageError("give the statement as an argument or with --file, not both");
  if (file) {
    try {
      return readFileSync(file, "utf8");
    } catch (err) {
      throw new RuntimeError(
        `cannot read --file ${file}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "it does not exist" : (err as Error).message}`,
      );
    }
  }
  if (statement) return statement;
  if (process.stdin.isTTY) throw new UsageError("no statement: pass it as an argument, with --file, or on stdin");
  let text = "";
  for await (const chunk of process.stdin) text += chunk;
  return text;
}

async function queryCommand(ctx: CommandContext, statement: string | undefined, opts: { file?: string; engine?: string }): Promise<void> {
  const text = (await readStatement(statement, opts.file)).trim().replace(/;\s*$/, "");
  if (!text) throw new UsageError("the statement is empty");
  const { createEngine } = await import("../query/registry");
  const engine = await createEngine(opts.engine ?? defaultEngine(text), ctx.loaded);
  const interrupt = onInterrupt(() => {});
  const sp = spinner(`running the query on ${engine.where}`);
  const started = performance.now();
  try {
    const result = await engine.run(text, { signal: interrupt.signal, onProgress: (m) => sp.text(m) });
    sp.stop();
    const ms = Math.round(performance.now() - started);
    if (result.columns.length > 0 || ctx.format === "json")
      printRows(
        result.rows,
        result.columns.map((key) => ({ key })),
        ctx.format,
      );
    const n = result.rows.length;
    // A statement without a result set (DDL, INSERT) has no rows to count.
    const counted = result.columns.length === 0 ? `done in ${ms} ms` : `${n.toLocaleString("en-US")} row${n === 1 ? "" : "s"} in ${ms} ms`;
    log.info(result.note ? `${counted}; ${result.note}` : counted);
  } catch (err) {
    sp.fail();
    throw err;
  } finally {
    interrupt.dispose();
    await engine.close();
  }
}
