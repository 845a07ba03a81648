/**
 * The stockpipe command-line program: registers the commands and maps every error to one line and an exit code.
 * Commands load their heavy modules (kafkajs, the AWS SDK, the Cassandra driver) only when they run.
 */
// stockpipe supports Node 20 and later with the AWS SDK versions in package-lock.json; the SDK's notice that
// its future releases will need Node 22 is not actionable for our users, so it is switched off.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
// kafkajs warns about its v2 partitioner change on every producer; stockpipe chooses its partitioner explicitly.
process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= "1";

import { buildProgram } from "./commands/program";
import { configureOutput } from "./log";
import { flushOutput, handleError } from "./ui/errors";
import { quietKnownWarnings } from "./util/warnings";

quietKnownWarnings();

async function main(): Promise<void> {
  configureOutput({ color: !process.argv.includes("--no-color") });
  await buildProgram().parseAsync(process.argv);
  // The work is done. A client library can leave a reconnection timer behind (the Cassandra driver after an
  // outage), so exit explicitly — once everything written to stdout and stderr has reached the pipe or file.
  await flushOutput();
  process.exit(process.exitCode ?? 0);
}

// `stockpipe … | head` closes the pipe before the output ends: stop quietly, as Unix tools do, instead of
// dying with an unhandled EPIPE stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(0);
    throw err;
  });
}

main().catch(handleError);
