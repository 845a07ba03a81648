/** `stockpipe verify`: the ticks in Kafka against the rows in Cassandra and in the lake, per symbol and day. */
import type { CommandContext } from "../commands/context";
import { RuntimeError, UsageError } from "../errors";
import { createKafka } from "../kafka/client";
import { kafkaError } from "../kafka/errors";
import { cassandraError } from "../sinks/cassandra/errors";
import { log } from "../ui/log";
import { printRows } from "../ui/output";
import { withSpinner } from "../ui/spinner";
import { isClean, reconcile, type DayCheck } from "../verify/reconcile";
import { readCassandra, readLake, readTopic } from "../verify/readers";

/** One sink and symbol: the day checks summed, and how many days there were. */
export type VerifyRow = Omit<DayCheck, "day"> & { sink: string; days: number; status: string };

export async function verifyCommand(ctx: CommandContext, options: { since?: string; sinks: string[] }): Promise<void> {
  if (options.since && !/^\d{4}-\d{2}-\d{2}$/.test(options.since)) throw new UsageError(`--since ${options.since} must be a date, YYYY-MM-DD (a trading day in market.timeZone)`);
  for (const s of options.sinks) if (s !== "cassandra" && s !== "s3") throw new UsageError(`--sinks: unknown sink "${s}"; choose cassandra, s3`);
  const topic = ctx.config.kafka.topic;
  const kafka = createKafka(ctx.config, { retries: 2 });
  const inKafka = await withSpinner(`reading ${topic} from the beginning`, () => readTopic(kafka, topic, ctx.config, options.since), (r) => `${topic}: ${r.length.toLocaleString("en-US")} valid ticks`).catch((err) => {
    throw kafkaError(err, ctx, `read ${topic}`);
  });
  const rows: VerifyRow[] = [];
  const problems: (DayCheck & { sink: string })[] = [];
  for (const sink of options.sinks) {
    const stored =
      sink === "cassandra"
        ? await withSpinner(`reading keyspace ${ctx.config.cassandra.keyspace}`, () => readCassandra(ctx.config, options.since), (r) => `Cassandra: ${r.length.toLocaleString("en-US")} rows`).catch((err) => {
            throw cassandraError(err, ctx);
          })
        : await withSpinner(`reading the lake at s3://${ctx.config.s3.bucket}/${ctx.config.s3.prefix}`, () => readLake(ctx.config, options.since), (r) => `lake: ${r.length.toLocaleString("en-US")} rows`).catch((err) => {
            throw new RuntimeError(`cannot read the lake: ${(err as Error).message.split("\n")[0]}`, { hint: "run `stockpipe local up`, or check the s3.* settings" });
          });
    const checks = reconcile(inKafka, stored);
    const bySymbol = new Map<string, VerifyRow>();
    for (const c of checks) {
      let r = bySymbol.get(c.symbol);
      if (!r) bySymbol.set(c.symbol, (r = { sink, symbol: c.symbol, days: 0, kafka: 0, stored: 0, missing: 0, duplicated: 0, differing: 0, extra: 0, status: "ok" }));
      r.days++;
      r.kafka += c.kafka;
      r.stored += c.stored;
      r.missing += c.missing;
      r.duplicated += c.duplicated;
      r.differing += c.differing;
      r.extra += c.extra;
      if (!isClean(c)) {
        r.status = "MISMATCH";
        problems.push({ ...c, sink });
      }
    }
    rows.push(...bySymbol.values());
  }
  if (ctx.format === "json") {
    process.stdout.write(JSON.stringify({ topic, since: options.since ?? null, symbols: rows, mismatchedDays: problems }, null, 2) + "\n");
  } else {
    printRows(rows as unknown as Record<string, unknown>[], ["sink", "symbol", "days", "kafka", "stored", "missing", "duplicated", "differing", "extra", "status"].map((key) => ({ key, align: ["sink", "symbol", "status"].includes(key) ? "left" : "right" })), ctx.format);
    if (problems.length && ctx.format === "table") {
      log.info(`mismatched trading days (${problems.length}${problems.length > 20 ? ", first 20" : ""}):`);
      printRows(problems.slice(0, 20) as unknown as Record<string, unknown>[], ["sink", "symbol", "day", "kafka", "stored", "missing", "duplicated", "differing", "extra"].map((key) => ({ key })), "table");
    }
  }
  const total = rows.reduce((n, r) => n + r.kafka, 0);
  if (problems.length > 0) throw new RuntimeError(`verify found ${problems.length} mismatched symbol-days`, { hint: "missing rows: run the consumer again (it resumes from its committed offsets); duplicated or differing rows point to a bug or a second writer" });
  log.success(`every one of ${(total / Math.max(1, options.sinks.length)).toLocaleString("en-US")} ticks is stored exactly once in ${options.sinks.join(" and ")}`);
}
