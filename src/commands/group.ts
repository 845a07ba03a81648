/** `stockpipe group …`: the consumer groups, and deleting those a tour, a test or an old deployment left behind. */
import type { Command } from "commander";
import { UsageError } from "../errors";
import { log } from "../log";
import { printRows } from "../ui/output";
import { withSpinner } from "../ui/spinner";
import { confirmDeletion } from "./common";
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
  if (names.length === 0 && !prefix)
    throw new UsageError("name the groups to delete, or give --prefix", { hint: "e.g. `stockpipe group delete old-group`" });
  if (prefix === "") throw new UsageError("--prefix must not be empty: it would select every group");
  const { deleteGroups, groupsToDelete } = await import("../kafka/groups");
  const groups = await groupsToDelete(ctx.loaded, names, prefix);
  if (groups.length === 0) {
    log.info(`no consumer group starts with ${prefix}: nothing deleted`);
    return;
  }
  const what = groups.length === 1 ? `group ${groups[0]}` : `${groups.length} groups`;
  await confirmDeletion(what, groups, yes, " and their committed offsets");
  await withSpinner(
    `deleting ${what}`,
    () => deleteGroups(ctx.loaded, groups),
    () => `deleted ${what}${groups.length > 1 ? `: ${groups.join(", ")}` : ""}`,
  );
}
