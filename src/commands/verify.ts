/** `stockpipe verify`: the records of a topic (ticks, bars, alerts) against the rows in Cassandra and the lake, per symbol and day. */
import type { Command } from "commander";
import { RuntimeError, UsageError } from "../errors";
import { log } from "../log";
import type { KindName } from "../model/kinds";
import { printRows } from "../ui/output";
import { withSpinner } from "../ui/spinner";
import type { ByKind, Wanted } from "../verify/readers";
import type { DayCheck, Outside, SymbolCheck } from "../verify/reconcile";
import { type CommandContext, commandContext, flag } from "./context";
import { examples, formatOption } from "./options";

export function registerVerify(program: Command): void {
  program
    .command("verify")
    .description(
      "reconcile, per symbol and trading day, the ticks (or bars, or alerts) in a topic with the rows in Cassandra and the lake; exit 1 on any mismatch",
    )
    .option("--topic <topic>", "topic to check (default: kafka.topic)")
    .option("--since <date>", "only trading days from this date (YYYY-MM-DD)")
    .option("--sinks <list>", "which sinks to check", "cassandra,s3")
    .addOption(formatOption())
    .addHelpText(
      "after",
      examples(
        "stockpipe verify",
        "stockpipe verify --since 2024-03-01 --sinks cassandra",
        "stockpipe verify --topic ticks.bars.1m",
        "stockpipe verify -f json > report.json",
      ),
    )
    .action(async (opts: { topic?: string; since?: string; sinks: string }, cmd: Command) => {
      const ctx = commandContext(cmd, flag("kafka.topic", opts.topic, "--topic"));
      const sinks = opts.sinks
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
      await verifyCommand(ctx, { since: opts.since, sinks });
    });
}

const NAMES: Record<KindName, string> = { tick: "ticks", bar: "bars", alert: "alerts" };

/** "12 ticks", "300 bars, 4 alerts": the counts of what was read. */
function counted(r: ByKind, wanted: Wanted): string {
  return [...wanted.kinds].map((k) => `${r[k].length.toLocaleString("en-US")} ${NAMES[k]}`).join(", ");
}

/** Reads what one sink holds, under a spinner; its failures are the sink's own one-line errors. */
async function readSink(ctx: CommandContext, sink: string, wanted: Wanted, since: string | undefined): Promise<ByKind> {
  const { readCassandra, readLake } = await import("../verify/readers");
  if (sink === "cassandra") {
    const { cassandraError } = await import("../sinks/cassandra/errors");
    return withSpinner(
      `reading keyspace ${ctx.config.cassandra.keyspace}`,
      () => readCassandra(ctx.config, wanted, since),
      (r) => `Cassandra: ${counted(r, wanted)}`,
    ).catch((err) => {
      throw cassandraError(err, ctx.loaded);
    });
  }
  const { s3Error } = await import("../sinks/s3/errors");
  const where = `s3://${ctx.config.s3.bucket}/${ctx.config.s3.prefix}`;
  return withSpinner(
    `reading the lake at ${where}`,
    () => readLake(ctx.config, wanted, since),
    (r) => `lake: ${counted(r, wanted)}`,
  ).catch((err) => {
    throw s3Error(err, ctx.loaded, `read the lake at ${where}`);
  });
}

async function verifyCommand(ctx: CommandContext, options: { since?: string; sinks: string[] }): Promise<void> {
  if (options.since && !/^\d{4}-\d{2}-\d{2}$/.test(options.since))
    throw new UsageError(`--since ${options.since} must be a date, YYYY-MM-DD (a trading day in market.timeZone)`);
  for (const s of options.sinks)
    if (s !== "cassandra" && s !== "s3") throw new UsageError(`--sinks: unknown sink "${s}"; choose cassandra, s3`);
  const { createKafka } = await import("../kafka/client");
  const { kafkaError } = await import("../kafka/errors");
  const { BYTES_PER_RECORD, fitsInMemory, readTopic, wantedOf } = await import("../verify/readers");
  const { bySymbol, ownDays, reconcile } = await import("../verify/reconcile");
  const topic = ctx.config.kafka.topic;
  const { requireTopic, withAdmin } = await import("../kafka/topics");
  const { getHeapStatistics } = await import("node:v8");
  const records = await withAdmin(ctx.loaded, `read the offsets of ${topic}`, async (admin) => {
    await requireTopic(admin, topic);
    return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  });
  const tooBig = fitsInMemory(records, getHeapStatistics().heap_size_limit, options.since);
  if (tooBig)
    throw new RuntimeError(tooBig, {
      hint: `check some trading days at a time with --since YYYY-MM-DD, or let Node use more memory: NODE_OPTIONS=--max-old-space-size=${Math.ceil((records * BYTES_PER_RECORD * 1.3) / 2 ** 20)} stockpipe verify …`,
    });
  const kafka = createKafka(ctx.config, { retries: 2 });
  const inKafka = await withSpinner(
    `reading ${topic} from the beginning`,
    () => readTopic(kafka, topic, ctx.config, options.since),
    (r) => `${topic}: ${counted(r, wantedOf(r))}`,
  ).catch((err) => {
    throw kafkaError(err, ctx.loaded, `read ${topic}`);
  });
  const wanted = wantedOf(inKafka);
  const rows: (SymbolCheck & { kind: string })[] = [];
  const problems: (DayCheck & { sink: string; kind: string })[] = [];
  const outside: (Outside & { kind: string })[] = [];
  for (const sink of options.sinks) {
    const stored = await readSink(ctx, sink, wanted, options.since);
    for (const kind of wanted.kinds) {
      // Rows of symbol-days the topic never carried were written by other topics into the same store: said apart.
      const { own, outside: other } = ownDays(sink, reconcile(inKafka[kind], stored[kind]));
      if (other) outside.push({ kind, ...other });
      const checked = bySymbol(sink, own);
      rows.push(...checked.symbols.map((r) => ({ kind, ...r })));
      problems.push(...checked.problems.map((p) => ({ kind, ...p })));
    }
  }
  if (ctx.format === "json") {
    process.stdout.write(
      `${JSON.stringify({ topic, since: options.since ?? null, symbols: rows, mismatchedDays: problems, outside }, null, 2)}\n`,
    );
  } else {
    const columns = ["sink", "kind", "symbol", "days", "kafka", "stored", "missing", "duplicated", "differing", "extra", "status"];
    printRows(
      rows,
      columns.map((key) => ({ key, align: ["sink", "kind", "symbol", "status"].includes(key) ? "left" : "right" })),
      ctx.format,
    );
    if (problems.length && ctx.format === "table") {
      log.info(`mismatched trading days (${problems.length}${problems.length > 20 ? ", first 20" : ""}):`);
      printRows(
        problems.slice(0, 20),
        ["sink", "kind", "symbol", "day", "kafka", "stored", "missing", "duplicated", "differing", "extra"].map((key) => ({ key })),
        "table",
      );
    }
  }
  for (const o of outside) {
    const shown = o.symbols.slice(0, 5).join(", ") + (o.symbols.length > 5 ? ", …" : "");
    log.info(
      `${o.sink} also holds ${o.rows.toLocaleString("en-US")} ${o.kind} rows on ${o.days} symbol-days ${topic} does not carry (${o.symbols.length} symbols: ${shown}) — written from other topics into the same store; not checked`,
    );
  }
  const total = rows.reduce((n, r) => n + r.kafka, 0);
  if (problems.length > 0) {
    throw new RuntimeError(`verify found ${problems.length} mismatched symbol-days`, {
      hint: "missing rows: run the consumer again (it resumes from its committed offsets); duplicated or differing rows point to a bug or a second writer",
    });
  }
  const what = [...wanted.kinds].map((k) => NAMES[k]).join(" and ");
  log.success(
    `every one of ${(total / Math.max(1, options.sinks.length)).toLocaleString("en-US")} ${what} is stored exactly once in ${options.sinks.join(" and ")}`,
  );
}
