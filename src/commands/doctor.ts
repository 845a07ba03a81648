/** `stockpipe doctor`: one probe per endpoint, a table of results, and the likely fix for each failure. */
import type { Command } from "commander";
import { RuntimeError } from "../errors";
import { printRows } from "../ui/output";
import { withSpinner } from "../ui/spinner";
import { type CommandContext, commandContext } from "./context";
import { examples, formatOption } from "./options";

export function registerDoctor(program: Command): void {
  program
    .command("doctor")
    .description("check every configured endpoint (Kafka, Cassandra, S3, Athena when configured): reachable, version, round trip, fix")
    .option("--skip <list>", "checks to leave out, e.g. cassandra,s3")
    .addOption(formatOption())
    .addHelpText(
      "after",
      examples("stockpipe doctor", "stockpipe doctor --skip cassandra -f json", "STOCKPIPE_KAFKA_BROKERS=kafka-1:9092 stockpipe doctor"),
    )
    .action(async (opts: { skip?: string }, cmd: Command) => {
      const skip = (opts.skip ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
      await doctor(commandContext(cmd), skip);
    });
}

async function doctor(ctx: CommandContext, skip: string[]): Promise<void> {
  const { checks, runCheck } = await import("../health/checks");
  const list = checks(ctx.loaded).filter((c) => !skip.includes(c.name));
  const results = await withSpinner(
    `checking ${list.map((c) => c.name).join(", ")}`,
    () => Promise.all(list.map(runCheck)),
    (r) => `${r.filter((x) => x.ok).length} of ${r.length} checks passed`,
  );
  printRows(
    results.map((r) => ({ ...r, status: r.ok ? "ok" : "FAIL" })),
    [
      { key: "check" },
      { key: "status" },
      { key: "endpoint" },
      { key: "security" },
      { key: "version", header: "version / error" },
      { key: "rttMs", header: "rtt ms", align: "right" },
      { key: "fix" },
    ],
    ctx.format,
  );
  const failed = results.filter((r, i) => !r.ok && list[i]!.required);
  if (failed.length) throw new RuntimeError(`${failed.map((f) => f.check).join(", ")} failed`, { hint: failed[0]!.fix });
}
