/** `stockpipe verify`: the records of a topic (ticks, bars, alerts) against the rows in Cassandra and the lake, per symbol and day. */
import type { Command } from "commander";
import type { Kafka } from "kafkajs";
import { RuntimeError, UsageError } from "../errors";
import { log } from "../log";
import type { KindName } from "../model/kinds";
import { plural, printRows } from "../ui/output";
import { type Progress, spinner } from "../ui/spinner";
import type { Sides, VerifyProgress } from "../verify/plan";
import type { DayCheck, Outside, SymbolCheck } from "../verify/reconcile";
import { peakRssMb } from "./common";
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
    .option(
      "--batch <records>",
      "records held in memory at once when symbol-days that differ are read again, record by record (more: fewer passes over the topic)",
      "500000",
    )
    .addOption(formatOption())
    .addHelpText(
      "after",
      examples(
        "stockpipe verify",
        "stockpipe verify --since 2024-03-01 --sinks cassandra",
        "stockpipe verify --topic ticks.bars.1m",
        "stockpipe verify -f json > report.json",
        "stockpipe verify --batch 100000          # less memory when many symbol-days differ",
      ),
    )
    .action(async (opts: { topic?: string; since?: string; sinks: string; batch: string }, cmd: Command) => {
      const ctx = commandContext(cmd, flag("kafka.topic", opts.topic, "--topic"));
      const sinks = opts.sinks
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
      const batch = Number(opts.batch);
      if (!Number.isInteger(batch) || batch < 1) throw new UsageError(`--batch ${opts.batch} must be a whole number of records, 1 or more`);
      await verifyCommand(ctx, { since: opts.since, sinks, batch });
    });
}

const NAMES: Record<KindName, string> = { tick: "ticks", bar: "bars", alert: "alerts" };

/** The topic and the stores as verify's two sides, each read failing with its own one-line error. */
function sidesOf(ctx: CommandContext, kafka: Kafka, since: string | undefined): Sides {
  const topic = ctx.config.kafka.topic;
  const where = `s3://${ctx.config.s3.bucket}/${ctx.config.s3.prefix}`;
  const fromKafka = async <T>(work: () => Promise<T>): Promise<T> => {
    const { kafkaError } = await import("../kafka/errors");
    return work().catch((err) => {
      throw kafkaError(err, ctx.loaded, `read ${topic}`);
    });
  };
  return {
    async sample() {
      const { sampleTopic } = await import("../verify/readers");
      return fromKafka(() => sampleTopic(kafka, topic, ctx.config));
    },
    async topic(visit, partitions) {
      const { readTopic } = await import("../verify/readers");
      await fromKafka(() => readTopic(kafka, topic, ctx.config, visit, { since, partitions }));
    },
    async inThread(side, wanted, onRead) {
      const { digestInThread } = await import("../verify/workerPool");
      return digestInThread({ side, config: ctx.config, since, wanted }, onRead);
    },
    async sink(sink, wanted, visit, targets) {
      const { readCassandra, readLake } = await import("../verify/readers");
      if (sink === "cassandra") {
        const { cassandraError } = await import("../sinks/cassandra/errors");
        return readCassandra(ctx.config, wanted, visit, { since, targets }).catch((err) => {
          throw cassandraError(err, ctx.loaded);
        });
      }
      const { s3Error } = await import("../sinks/s3/errors");
      const symbols =
        targets && new Map([...wanted.kinds].map((k) => [k, new Set(targets.filter((d) => d.kind === k).map((d) => d.symbol))]));
      return readLake(ctx.config, wanted, visit, { since, symbols }).catch((err) => {
        throw s3Error(err, ctx.loaded, `read the lake at ${where}`);
      });
    },
  };
}

/** verify's progress: one spinner over the sides being read at once (each ending in a line of what it held), then the second looks. */
function progressLine(ctx: CommandContext): VerifyProgress & { fail(): void } {
  const names: Record<string, string> = {
    topic: ctx.config.kafka.topic,
    cassandra: `keyspace ${ctx.config.cassandra.keyspace}`,
    s3: `the lake at s3://${ctx.config.s3.bucket}/${ctx.config.s3.prefix}`,
  };
  const done: Record<string, string> = { topic: ctx.config.kafka.topic, cassandra: "Cassandra", s3: "lake" };
  const counts = new Map<string, number>();
  let current: Progress | undefined;
  const line = () =>
    `reading ${[...counts].map(([side, n]) => `${names[side] ?? side}${n ? ` (${n.toLocaleString("en-US")})` : ""}`).join(", ")}`;
  return {
    reading(sides) {
      for (const side of sides) counts.set(side, 0);
      current = spinner(line());
    },
    read(side, records) {
      counts.set(side, records);
      current?.text(line());
    },
    done(side, counted) {
      counts.delete(side);
      current?.succeed(`${done[side] ?? side}: ${counted}`);
      current = counts.size ? spinner(line()) : undefined;
    },
    /** A read failed: the line ends red (the error follows it). */
    fail() {
      current?.fail();
      current = undefined;
    },
    again(sink, i, n, slices, finished) {
      const what = `${done[sink] ?? sink}: the records of ${plural(slices, "symbol-day slice")} that differ${n > 1 ? ` (batch ${i} of ${n})` : ""}`;
      if (!finished) current = spinner(`reading again ${what}`);
      else {
        current?.succeed(`read again ${what}`);
        current = undefined;
      }
    },
  };
}

async function verifyCommand(ctx: CommandContext, options: { since?: string; sinks: string[]; batch: number }): Promise<void> {
  if (options.since && !/^\d{4}-\d{2}-\d{2}$/.test(options.since))
    throw new UsageError(`--since ${options.since} must be a date, YYYY-MM-DD (a trading day in market.timeZone)`);
  for (const s of options.sinks)
    if (s !== "cassandra" && s !== "s3") throw new UsageError(`--sinks: unknown sink "${s}"; choose cassandra, s3`);
  const { createKafka } = await import("../kafka/client");
  const { bySymbol, ownDays } = await import("../verify/reconcile");
  const { verifyStreaming } = await import("../verify/plan");
  const topic = ctx.config.kafka.topic;
  const { requireTopic, withAdmin } = await import("../kafka/topics");
  await withAdmin(ctx.loaded, `read the offsets of ${topic}`, (admin) => requireTopic(admin, topic));
  const kafka = createKafka(ctx.config, { retries: 2 });
  const progress = progressLine(ctx);
  const started = performance.now();
  const { results, wanted, records } = await verifyStreaming(sidesOf(ctx, kafka, options.since), options.sinks, {
    progress,
    budget: options.batch,
  }).catch((err) => {
    progress.fail();
    throw err;
  });
  const rows: (SymbolCheck & { kind: string })[] = [];
  const problems: (DayCheck & { sink: string; kind: string })[] = [];
  const outside: (Outside & { kind: string })[] = [];
  for (const { sink, kind, checks } of results) {
    // Rows of symbol-days the topic never carried were written by other topics into the same store: said apart.
    const { own, outside: other } = ownDays(sink, checks);
    if (other) outside.push({ kind, ...other });
    const checked = bySymbol(sink, own);
    rows.push(...checked.symbols.map((r) => ({ kind, ...r })));
    problems.push(...checked.problems.map((p) => ({ kind, ...p })));
  }
  if (ctx.format === "json") {
    process.stdout.write(
      `${JSON.stringify({ topic, since: options.since ?? null, symbols: rows, mismatchedDays: problems, outside, run: { records, seconds: Math.round(performance.now() - started) / 1000, peakRssMb: peakRssMb() } }, null, 2)}\n`,
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
