/** `stockpipe tail`: the records of a topic as they arrive, as a table, JSON lines or CSV. */
import type { Command } from "commander";
import type { KafkaMessage } from "kafkajs";
import { UsageError } from "../errors";
import type { ReadFrom } from "../kafka/reader";
import { headersOf, jsonFields, preview } from "../model/view";
import { type Column, type Row, RowStream } from "../ui/output";
import { onInterrupt } from "../ui/signals";
import { type CommandContext, commandContext } from "./context";
import { examples, formatOption } from "./options";

interface TailFlags {
  from: string;
  symbol?: string;
  limit?: string;
  follow?: boolean;
  meta?: boolean;
  headers?: boolean;
}

export function registerTail(program: Command): void {
  program
    .command("tail")
    .description("print a topic's records (ticks, dead letters, any kind) as they arrive")
    .argument("[topic]", "topic to read (default: kafka.topic)")
    .option("--from <where>", "earliest, latest, an ISO time, or -N: the last N records of each partition", "-10")
    .option("--symbol <sym>", "only records of this symbol (the message key or the record's symbol)")
    .option("-n, --limit <n>", "stop after this many records")
    .option("--follow", "keep printing new records until Ctrl-C (default on a terminal)")
    .option("--no-follow", "stop at the end of the topic as it was when tail started")
    .option("--meta", "add each record's partition, offset, Kafka timestamp and key")
    .option("--headers", "add each record's headers")
    .addOption(formatOption())
    .addHelpText(
      "after",
      `${examples(
        "stockpipe tail",
        "stockpipe tail ticks --from -100 --symbol AAPL --no-follow",
        "stockpipe tail ticks --from 2024-03-15T13:30:00Z -n 50 -f json",
        "stockpipe tail ticks.dlq --meta --headers --from earliest",
      )}\nTables print aligned to the first records; -f json prints one JSON object per line.\n`,
    )
    .action(async (topic: string | undefined, opts: TailFlags, cmd: Command) => {
      const ctx = commandContext(cmd);
      await tail(ctx, topic ?? ctx.config.kafka.topic, opts);
    });
}

export function parseReadFrom(from: string): ReadFrom {
  if (from === "earliest" || from === "latest") return from;
  if (/^-\d+$/.test(from)) return { last: Number(from.slice(1)) };
  const time = Date.parse(from);
  if (Number.isNaN(time))
    throw new UsageError(`--from ${from} must be earliest, latest, an ISO-8601 time or -N (the last N records per partition)`);
  return { time };
}

/** A message as a row: the record's own fields (or its text), plus partition, offset, key and headers on request. */
function toRow(partition: number, m: KafkaMessage): Row {
  const fields = jsonFields(m.value);
  return {
    partition,
    offset: m.offset,
    timestamp: new Date(Number(m.timestamp)).toISOString(),
    key: preview(m.key, 40),
    headers: headersOf(m),
    ...(fields ?? { value: preview(m.value) }),
  };
}

/** Columns from the first rows: meta first when asked, then the record's fields in the order they come. */
function columnsOf(rows: Row[], o: TailFlags): Column[] {
  const meta = o.meta ? ["partition", "offset", "timestamp", "key"] : [];
  const fields: string[] = [];
  for (const r of rows)
    for (const k of Object.keys(r))
      if (!["partition", "offset", "timestamp", "key", "headers"].includes(k) && !fields.includes(k)) fields.push(k);
  const keys = [...meta, ...fields, ...(o.headers ? ["headers"] : [])];
  return keys.map((key) => ({ key, align: ["partition", "offset", "price", "volume"].includes(key) ? "right" : "left" }));
}

function matches(r: Row, symbol: string | undefined): boolean {
  return symbol === undefined || r.key === symbol || r.symbol === symbol;
}

async function tail(ctx: CommandContext, topic: string, o: TailFlags): Promise<void> {
  const from = parseReadFrom(o.from);
  const limit = o.limit === undefined ? undefined : Number(o.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit <= 0))
    throw new UsageError(`--limit ${o.limit} must be a positive whole number`);
  const follow = o.follow ?? Boolean(process.stdout.isTTY);
  const symbol = o.symbol?.toUpperCase();
  const { createKafka } = await import("../kafka/client");
  const { kafkaError } = await import("../kafka/errors");
  const { readMessages } = await import("../kafka/reader");
  const interrupt = onInterrupt(() => {});
  const stop = new AbortController();
  const signal = AbortSignal.any([interrupt.signal, stop.signal]);
  let out: RowStream | undefined;
  // Without --follow everything is printed at the end, so the table's columns fit every record.
  const held: Row[] = [];
  let printed = 0;
  try {
    for await (const batch of readMessages(createKafka(ctx.config, { retries: 2 }), { topic, from, follow, signal })) {
      let rows = batch.messages.map((m) => toRow(batch.partition, m)).filter((r) => matches(r, symbol));
      if (limit !== undefined) rows = rows.slice(0, limit - printed);
      if (rows.length === 0) continue;
      printed += rows.length;
      if (follow) {
        out ??= new RowStream(columnsOf(rows, o), ctx.format);
        out.write(rows);
      } else held.push(...rows);
      if (limit !== undefined && printed >= limit) stop.abort();
    }
  } catch (err) {
    throw kafkaError(err, ctx.loaded, `read ${topic}`);
  } finally {
    interrupt.dispose();
  }
  if (held.length) new RowStream(columnsOf(held, o), ctx.format).write(held);
  if (!follow || printed === 0)
    process.stderr.write(`${printed.toLocaleString("en-US")} record${printed === 1 ? "" : "s"} from ${topic}\n`);
}
