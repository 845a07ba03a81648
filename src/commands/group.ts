/** `stockpipe group …`: the consumer groups, and deleting those a tour, a test or an old deployment left behind. */
import type { Command } from "commander";
import { log } from "../log";
import { printRows } from "../ui/output";
import { deleteSelected } from "./common";
import { type CommandContext, commandContext } from "./context";
import { examples, formatOption } from "./options";

export function registerGroup(program: Command): void {
  const group = program
    .command("group")
    .description("list and delete Kafka consumer groups (their committed offsets)")
    .addHelpText(
      "after",
      examples("stockpipe group list", "stockpipe group delete stockpipe-s3 --yes", "stockpipe group delete --prefix tour-"),
    );

  group
    .command("list")
    .description("consumer groups with their state and members")
    .option("--prefix <prefix>", "only groups whose name starts with this")
    .addOption(formatOption())
    .addHelpText("after", examples("stockpipe group list", "stockpipe group list --prefix stockpipe- -f json"))
    .action(async (opts: { prefix?: string }, cmd: Command) => {
      await groupList(commandContext(cmd), opts.prefix);
    });

  group
    .command("delete")
    .description("delete consumer groups without members: by name, or every group whose name starts with a prefix")
    .argument("[names...]", "group names")
    .option("--prefix <prefix>", "also every group whose name starts with this")
    .option("-y, --yes", "do not ask for confirmation (needed when not on a terminal)")
    .addHelpText("after", examples("stockpipe group delete stockpipe-s3 --yes", "stockpipe group delete --prefix tour-"))
    .action(async (names: string[], opts: { prefix?: string; yes?: boolean }, cmd: Command) => {
      await groupDelete(commandContext(cmd), names, opts.prefix, Boolean(opts.yes));
    });
}

async function groupList(ctx: CommandContext, prefix: string | undefined): Promise<void> {
  const { listGroups } = await import("../kafka/groups");
  const rows = await listGroups(ctx.loaded, prefix);
  if (rows.length === 0 && ctx.format === "table") {
    log.info(prefix ? `no consumer group starts with ${prefix}` : "no consumer groups");
    return;
  }
  printRows(
    rows as unknown as Record<string, unknown>[],
    [{ key: "group" }, { key: "state" }, { key: "members", align: "right" }],
    ctx.format,
  );
}

async function groupDelete(ctx: CommandContext, names: string[], prefix: string | undefined, yes: boolean): Promise<void> {
  const { deleteGroups, groupsToDelete } = await import("../kafka/groups");
  await deleteSelected({
    kind: "group",
    noun: "consumer group",
    names,
    prefix,
    yes,
    consequence: " and their committed offsets",
    example: "stockpipe group delete old-group",
    select: (n, p) => groupsToDelete(ctx.loaded, n, p),
    remove: (groups) => deleteGroups(ctx.loaded, groups),
  });
}
