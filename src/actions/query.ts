import { readFileSync } from "node:fs";
import type { CommandContext } from "../commands/context";
import { RuntimeError, UsageError } from "../errors";
import { cassandraError } from "../sinks/cassandra/errors";
import { log } from "../ui/log";
import { printRows } from "../ui/output";
import { spinner } from "../ui/spinner";

async function readStatement(statement: string | undefined, file: string | undefined): Promise<string> {
  if (statement && file) throw new UsageError("give the statement as an argument or with --file, not both");
  if (file) {
    try {
      return readFileSync(file, "utf8");
    } catch (err) {
      throw new RuntimeError(`cannot read --file ${file}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "it does not exist" : (err as Error).message}`);
    }
  }
  if (statement) return statement;
  if (process.stdin.isTTY) throw new UsageError("no statement: pass it as an argument, with --file, or on stdin");
  let text = "";
  for await (const chunk of process.stdin) text += chunk;
  return text;
}

export async function queryCommand(ctx: CommandContext, statement: string | undefined, opts: { file?: string; engine?: string }): Promise<void> {
  const engine = opts.engine ?? "cql";
  if (engine !== "cql") throw new RuntimeError(`--engine ${engine} is not built yet`, { hint: "use --engine cql (the default) against Cassandra" });
  const cql = (await readStatement(statement, opts.file)).trim().replace(/;\s*$/, "");
  if (!cql) throw new UsageError("the statement is empty");
  const { runCql } = await import("../query/cql");
  const started = performance.now();
  const sp = spinner("running the query on Cassandra");
  let result;
  try {
    result = await runCql(ctx.config, cql, { onPage: (n) => sp.text(`running the query on Cassandra: ${n.toLocaleString("en-US")} rows`) });
    sp.stop();
  } catch (err) {
    sp.stop();
    throw cassandraError(err, ctx);
  }
  const ms = Math.round(performance.now() - started);
  if (result.columns.length > 0 || ctx.format === "json") printRows(result.rows, result.columns.map((key) => ({ key })), ctx.format);
  log.info(`${result.rows.length.toLocaleString("en-US")} row${result.rows.length === 1 ? "" : "s"} in ${ms} ms`);
}
