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

/** CQL unless the statement reads like lake SQL: Cassandra tables and CQL are the default. */
function defaultEngine(statement: string): string {
  return /\bfrom\s+ticks\b/i.test(statement) && /\b(group\s+by|join|dt\s*[=<>]|avg\(|sum\()/i.test(statement) ? "local" : "cql";
}

async function queryAthena(ctx: CommandContext, sql: string): Promise<void> {
  const { createAthenaClient, runAthena } = await import("../query/athena");
  const { onInterrupt } = await import("../ui/signals");
  const client = createAthenaClient(ctx.config);
  const interrupt = onInterrupt(() => {});
  const sp = spinner("Athena: starting the query");
  const started = performance.now();
  try {
    const result = await runAthena(client, ctx.config, sql, {
      signal: interrupt.signal,
      onProgress: (p) => sp.text(`Athena: ${p.state.toLowerCase()}, ${(p.bytesScanned / 1e6).toFixed(1)} MB scanned`),
    });
    sp.stop();
    printRows(result.rows, result.columns.map((key) => ({ key })), ctx.format);
    log.info(`${result.rows.length.toLocaleString("en-US")} rows in ${Math.round(performance.now() - started)} ms; ${(result.bytesScanned / 1e6).toFixed(2)} MB scanned, about $${result.costUsd.toFixed(6)} (query ${result.queryExecutionId})`);
  } catch (err) {
    sp.fail();
    if (err instanceof RuntimeError || (err as { exitCode?: number }).exitCode === 130) throw err;
    throw new RuntimeError(`Athena: ${(err as Error).message}`, { hint: "check athena.region, athena.workgroup, athena.database and the AWS credentials" });
  } finally {
    interrupt.dispose();
    client.destroy();
  }
}

async function queryLocal(ctx: CommandContext, sql: string): Promise<void> {
  const { syncLake } = await import("../query/lakeCache");
  const { runLocal } = await import("../query/local");
  const started = performance.now();
  const sp = spinner(`syncing s3://${ctx.config.s3.bucket}/${ctx.config.s3.prefix} into the local cache`);
  let synced;
  try {
    synced = await syncLake(ctx.config, (done, total) => sp.text(`syncing the lake: ${done}/${total} new objects`));
    sp.succeed(`lake cache: ${synced.objects} objects, ${synced.downloaded} downloaded${synced.removed ? `, ${synced.removed} removed` : ""}`);
  } catch (err) {
    sp.fail();
    const e = err as { name?: string; message: string; $metadata?: { httpStatusCode?: number } };
    throw new RuntimeError(`cannot list the lake at s3://${ctx.config.s3.bucket}/${ctx.config.s3.prefix} (${ctx.config.s3.endpoint}): ${e.name === "NoSuchBucket" ? "the bucket does not exist" : e.message}`, {
      hint: "run `stockpipe local up` (or `stockpipe schema s3`), or check s3.endpoint, s3.bucket and the credentials",
    });
  }
  let result;
  try {
    result = await runLocal(sql, synced.dir);
  } catch (err) {
    throw new RuntimeError(`local engine: ${(err as Error).message.split("\n")[0]}`, { hint: "`ticks` is the lake table (dt is its date partition); the SQL dialect is DuckDB's" });
  }
  printRows(result.rows, result.columns.map((key) => ({ key })), ctx.format);
  log.info(`${result.rows.length.toLocaleString("en-US")} row${result.rows.length === 1 ? "" : "s"} in ${Math.round(performance.now() - started)} ms`);
}

export async function queryCommand(ctx: CommandContext, statement: string | undefined, opts: { file?: string; engine?: string }): Promise<void> {
  const text = (await readStatement(statement, opts.file)).trim().replace(/;\s*$/, "");
  if (!text) throw new UsageError("the statement is empty");
  const engine = opts.engine ?? defaultEngine(text);
  if (engine === "local") return queryLocal(ctx, text);
  if (engine === "athena") return queryAthena(ctx, text);
  const cql = text;
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
  // A statement without a result set (DDL, INSERT) has no rows to count.
  if (result.columns.length === 0) log.info(`done in ${ms} ms`);
  else log.info(`${result.rows.length.toLocaleString("en-US")} row${result.rows.length === 1 ? "" : "s"} in ${ms} ms`);
}
