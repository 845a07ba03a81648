/** `stockpipe lake …`: the lake's files under a prefix — deleting what a tour, a test or an old layout left. */
import type { Command } from "commander";
import { UsageError } from "../errors";
import { log } from "../log";
import { withSpinner } from "../ui/spinner";
import { confirmDeletion } from "./common";
import { type CommandContext, commandContext, flag } from "./context";
import { examples } from "./options";

export function registerLake(program: Command): void {
  const lake = program
    .command("lake")
    .description("the S3 lake's files (s3.bucket, s3.prefix)")
    .addHelpText("after", examples("stockpipe lake delete --prefix tour-lake", "STOCKPIPE_S3_PREFIX=demo stockpipe lake delete --yes"));

  lake
    .command("delete")
    .description("delete every file of the lake under a prefix (default: s3.prefix), after listing how many")
    .option("--prefix <prefix>", "the lake's key prefix in the bucket (default: s3.prefix)")
    .option("-y, --yes", "do not ask for confirmation (needed when not on a terminal)")
    .addHelpText("after", examples("stockpipe lake delete --prefix tour-lake", "stockpipe lake delete --prefix old/lake --yes"))
    .action(async (opts: { prefix?: string; yes?: boolean }, cmd: Command) => {
      await lakeDelete(commandContext(cmd, flag("s3.prefix", opts.prefix, "--prefix")), Boolean(opts.yes));
    });
}

async function lakeDelete(ctx: CommandContext, yes: boolean): Promise<void> {
  const { bucket, prefix } = ctx.config.s3;
  if (!prefix) throw new UsageError("refusing to delete a whole bucket: give --prefix (or s3.prefix)");
  const where = `s3://${bucket}/${prefix}/`;
  const { createS3Client, deletePrefix, prefixSize } = await import("../sinks/s3/client");
  const s3 = createS3Client(ctx.config);
  try {
    const size = await withSpinner(
      `counting the files under ${where}`,
      () => prefixSize(s3, bucket, `${prefix}/`),
      (x) => `${where}: ${x.objects.toLocaleString("en-US")} files, ${(x.bytes / 1e6).toFixed(1)} MB`,
    );
    if (size.objects === 0) {
      log.info("nothing to delete");
      return;
    }
    await confirmDeletion(`the ${size.objects.toLocaleString("en-US")} files under ${where}`, [where], yes);
    const deleted = await withSpinner(
      `deleting ${where}`,
      () => deletePrefix(s3, bucket, `${prefix}/`),
      (n) => `deleted ${n.toLocaleString("en-US")} files under ${where}`,
    );
    log.debug(`deleted ${deleted} objects`);
  } finally {
    s3.destroy();
  }
}
