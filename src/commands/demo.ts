import type { Command } from "commander";
import { commandContext } from "./context";
import { examples } from "./options";

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description("the whole pipeline on the local stack: real HSI data and simulated ticks → Kafka → Cassandra and the lake → queries")
    .option("--duration <time>", "how long to stream simulated ticks", "10s")
    .option("--symbols <list|n>", "simulated symbols", "AAPL,MSFT,GOOG,AMZN,NVDA")
    .option("--keep-running", "keep the simulated stream and both consumers running until Ctrl-C")
    .addHelpText("after", examples("npx stockpipe demo", "stockpipe demo --duration 30s --symbols 20", "stockpipe demo --keep-running"))
    .action(async (opts: { duration: string; symbols: string; keepRunning?: boolean }, cmd: Command) => {
      const { demoCommand } = await import("../actions/demo");
      await demoCommand(commandContext(cmd), { duration: opts.duration, symbols: opts.symbols, keepRunning: Boolean(opts.keepRunning) });
    });
}
