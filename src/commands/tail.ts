/** `stockpipe tail`: the records of a topic as they arrive, as a table, JSON lines or CSV. */
import type { Command } from "commander";
import type { KafkaMessage } from "kafkajs";
import { InterruptedError, UsageError } from "../errors";
import type { ReadFrom } from "../kafka/reader";
import { headersOf, headerText, jsonFields, preview } from "../model/view";
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

/**
 * A message as a row: the record's own fields (or its text), plus partition, offset, key and headers on request.
 * A dead letter leads with why it was refused and by whom, without --headers.
 */
function toRow(partition: number, m: KafkaMessage): Row {
  const fields = jsonFields(m.value);
  const reason = headerText(m, "dlq-reason");
  return {
    partition,
    offset: m.offset,
    timestamp: new Date(Number(m.timestamp)).toISOString(),
    key: preview(m.key, 40),
    headers: headersOf(m),
    ...(reason === undefined ? {} : { reason, refusedBy: headerText(m, "dlq-by") ?? "" }),
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

/**
 * `-N` with `--symbol`: the last N records *of the symbol* in each partition, so the read starts at the beginning
 * and keeps the last N matches of each partition until it reaches the end the partition had at the start.
 */
class LastMatches {
  private readonly rings = new Map<number, Row[]>();
  constructor(
    private readonly n: number,
    private readonly ends: Map<number, number>,
  ) {}
  /** Rows past the partition's start-time end go straight out; earlier ones are held, the last N kept. */
  take(partition: number, rows: Row[]): Row[] {
    const end = this.ends.get(partition) ?? 0;
    const live = rows.filter((r) => Number(r.offset) >= end);
    const ring = this.rings.get(partition) ?? [];
    ring.push(...rows.filter((r) => Number(r.offset) < end));
    this.rings.set(partition, ring.slice(-this.n));
    return live;
  }
  /** Whether every partition has been read to its start-time end, this batch's partition up to `lastOffset`. */
  caughtUp(partition: number, lastOffset: number): boolean {
    if (lastOffset + 1 >= (this.ends.get(partition) ?? 0)) this.ends.delete(partition);
    return this.done;
  }
  get done(): boolean {
    return this.ends.size === 0;
  }
  /** The held rows, partition by partition, once. */
  drain(): Row[] {
    const out = [...this.rings].sort(([a], [b]) => a - b).flatMap(([, rows]) => rows);
    this.rings.clear();
    return out;
  }
}

async function tail(ctx: CommandContext, topic: string, o: TailFlags): Promise<void> {
  let from = parseReadFrom(o.from);
  const limit = o.limit === undefined ? undefined : Number(o.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit <= 0))
    throw new UsageError(`--limit ${o.limit} must be a positive whole number`);
  const follow = o.follow ?? Boolean(process.stdout.isTTY);
  const symbol = o.symbol?.toUpperCase();
  const { createKafka } = await import("../kafka/client");
  const { kafkaError } = await import("../kafka/errors");
  const { readMessages } = await import("../kafka/reader");
  const kafka = createKafka(ctx.config, { retries: 2 });
  let last: LastMatches | undefined;
  if (symbol !== undefined && typeof from === "object" && "last" in from) {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const ends = (await admin.fetchTopicOffsets(topic).catch(() => [])).filter((p) => Number(p.high) > Number(p.low));
      last = new LastMatches(from.last, new Map(ends.map((p) => [p.partition, Number(p.high)])));
    } finally {
      await admin.disconnect();
    }
    from = "earliest";
  }
  const interrupt = onInterrupt(() => {});
  const stop = new AbortController();
  const signal = AbortSignal.any([interrupt.signal, stop.signal]);
  let out: RowStream | undefined;
  // Without --follow everything is printed at the end, so the table's columns fit every record.
  const held: Row[] = [];
  let printed = 0;
  const emit = (rows: Row[]) => {
    const shown = limit === undefined ? rows : rows.slice(0, limit - printed);
    if (shown.length === 0) return;
    printed += shown.length;
    if (follow) {
      out ??= new RowStream(columnsOf(shown, o), ctx.format);
      out.write(shown);
    } else held.push(...shown);
    if (limit !== undefined && printed >= limit) stop.abort();
  };
  try {
    // An empty topic: nothing to hold.
    if (last?.done) last = undefined;
    for await (const batch of readMessages(kafka, { topic, from, follow, signal })) {
      let rows = batch.messages.map((m) => toRow(batch.partition, m)).filter((r) => matches(r, symbol));
      if (last) {
        rows = last.take(batch.partition, rows);
        const lastOffset = Number(batch.messages.at(-1)?.offset ?? -1);
        if (last.caughtUp(batch.partition, lastOffset)) {
          emit(last.drain());
          last = undefined;
        }
      }
      emit(rows);
    }
    if (last) emit(last.drain());
  } catch (err) {
    throw kafkaError(err, ctx.loaded, `read ${topic}`);
  } finally {
    interrupt.dispose();
  }
  if (held.length) new RowStream(columnsOf(held, o), ctx.format).write(held);
  if (!follow || printed === 0)
    process.stderr.write(`${printed.toLocaleString("en-US")} record${printed === 1 ? "" : "s"} from ${topic}\n`);
  if (interrupt.received) throw new InterruptedError(`${printed.toLocaleString("en-US")} record${printed === 1 ? "" : "s"} printed`);
}
