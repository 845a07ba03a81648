import type { Command } from "commander";
import { commandContext } from "./context";
import { examples, formatOption } from "./options";

export function registerDoctor(program: Command): void {
  program
    .command("doctor")
    .description("check every configured endpoint (Kafka, Cassandra, S3, Athena when configured): reachable, version, round trip, fix")
    .option("--skip <list>", "checks to leave out, e.g. cassandra,s3")
    .addOption(formatOption())
    .addHelpText("after", examples("stockpipe doctor", "stockpipe doctor --skip cassandra -f json", "STOCKPIPE_KAFKA_BROKERS=kafka-1:9092 stockpipe doctor"))
    .action(async (opts: { skip?: string }, cmd: Command) => {
      const { doctor } = await import("../actions/doctor");
      await doctor(commandContext(cmd), (opts.skip ?? "").split(",").map((s) => s.trim()).filter(Boolean));
    });
}
