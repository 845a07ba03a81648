/** `stockpipe dlq`: what is in a topic's dead-letter queue and why; `dlq replay` puts letters back. */
import type { Command } from "commander";
import { UsageError } from "../errors";
import { log } from "../log";
import { plural, printRows } from "../ui/output";
import { onInterrupt } from "../ui/signals";
import { withSpinner } from "../ui/spinner";
import { type CommandContext, commandContext } from "./context";
import { examples, formatOption } from "./options";

export function registerDlq(program: Command): void {
  const dlq = program
    .command("dlq")
    .description("the dead letters of a topic (<topic>.dlq): counts by reason with samples; `dlq replay` re-sends them")
    .argument("[topic]", "the source topic (default: kafka.topic)")
    .option("--samples <n>", "letters shown per reason", "3")
    .addOption(formatOption())
    .addHelpText(
      "after",
      examples(
        "stockpipe dlq",
        "stockpipe dlq ticks --samples 10",
        "stockpipe dlq ticks -f json",
        "stockpipe dlq replay ticks --reason oversized --dry-run",
      ),
    )
    .action(async (topic: string | undefined, opts: { samples: string }, cmd: Command) => {
      const ctx = commandContext(cmd);
      await summary(ctx, topic ?? ctx.config.kafka.topic, opts.samples);
    });

  dlq
    .command("replay")
    .description("re-send dead letters to the topic they came from (original key, value and headers), to be consumed again")
    .argument("[topic]", "the source topic (default: kafka.topic)")
    .option("--reason <reason...>", "only letters with this reason (repeatable); all by default")
    .option("--dry-run", "count what would be replayed and send nothing")
    .addOption(formatOption())
    .addHelpText(
      "after",
      `${examples("stockpipe dlq replay ticks --dry-run", "stockpipe dlq replay ticks --reason oversized", 'stockpipe dlq replay ticks --reason "wrong schema" --reason "not JSON"')}
Replay after fixing the cause (e.g. raising consumer.maxMessageBytes for oversized letters): letters still bad go
to the dead-letter queue again. Sinks store records idempotently, so replaying a letter twice stores it once.
`,
    )
    .action(async (topic: string | undefined, opts: { reason?: string[]; dryRun?: boolean }, cmd: Command) => {
      const ctx = commandContext(cmd);
      await replay(ctx, topic ?? ctx.config.kafka.topic, opts.reason ?? [], Boolean(opts.dryRun));
    });
}

async function summary(ctx: CommandContext, topic: string, samplesFlag: string): Promise<void> {
  const samples = Number(samplesFlag);
  if (!Number.isInteger(samples) || samples < 0) throw new UsageError(`--samples ${samplesFlag} must be a whole number`);
  const { dlqTopic } = await import("../kafka/dlq");
  const { summarizeDeadLetters } = await import("../pipeline/deadLetters");
  const interrupt = onInterrupt(() => {});
  const s = await withSpinner(
    `reading ${dlqTopic(topic)}`,
    () => summarizeDeadLetters(ctx.loaded, topic, samples, interrupt.signal),
    (r) =>
      `${r.dlq}: ${plural(r.total, "dead-lettered message")}${r.copies ? ` (and ${plural(r.copies, "further letter")} of the same messages from other pipelines, counted once)` : ""}`,
  ).finally(() => interrupt.dispose());
  if (ctx.format === "json") {
    process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
    return;
  }
  if (s.total === 0 && ctx.format === "table") return;
  printRows(s.reasons, [{ key: "reason" }, { key: "count", align: "right" }, { key: "first" }, { key: "last" }], ctx.format);
  const shown = s.reasons.flatMap((r) => r.samples.map((x) => ({ reason: r.reason, ...x })));
  if (ctx.format === "table" && shown.length) {
    log.info("samples:");
    printRows(
      shown,
      [
        { key: "reason" },
        { key: "offset", align: "right" },
        { key: "source" },
        { key: "refusedBy", header: "refused by" },
        { key: "detail" },
        { key: "value" },
      ],
      "table",
    );
  }
}

async function replay(ctx: CommandContext, topic: string, reasons: string[], dryRun: boolean): Promise<void> {
  const { dlqTopic } = await import("../kafka/dlq");
  const { replayDeadLetters } = await import("../pipeline/deadLetters");
  const interrupt = onInterrupt(() => {});
  const doing = dryRun ? "counting" : "replaying";
  const r = await withSpinner(
    `${doing} the dead letters in ${dlqTopic(topic)}${reasons.length ? ` with reason ${reasons.join(", ")}` : ""}`,
    () => replayDeadLetters(ctx.loaded, topic, { reasons, dryRun, signal: interrupt.signal }),
  ).finally(() => interrupt.dispose());
  const total = Object.values(r.replayed).reduce((a, b) => a + b, 0);
  if (ctx.format === "json") {
    process.stdout.write(`${JSON.stringify({ ...r, dryRun, total }, null, 2)}\n`);
    return;
  }
  const to = Object.entries(r.replayed)
    .map(([t, n]) => `${n.toLocaleString("en-US")} to ${t}`)
    .join(", ");
  const why = Object.entries(r.byReason)
    .map(([reason, n]) => `${n} ${reason}`)
    .join(", ");
  log.success(
    `${dryRun ? "would replay" : "replayed"} ${total.toLocaleString("en-US")} dead letters${to ? ` (${to}; ${why})` : ""}${r.skipped ? `; ${r.skipped} with other reasons left` : ""}${r.copies ? `; ${plural(r.copies, "further letter")} of the same messages (from other pipelines) not sent twice` : ""}${dryRun ? " — dry run, nothing sent" : ""}`,
  );
}
