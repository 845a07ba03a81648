import type { Command } from "commander";
import { registerConfig } from "./config";
import { registerDoctor } from "./doctor";
import { registerLocal } from "./local";
import { registerPending } from "./pending";
import { registerProduce } from "./produce";
import { registerTopic } from "./topic";

export function registerCommands(program: Command): void {
  registerTopic(program);
  registerProduce(program);
  registerPending(program);
  registerLocal(program);
  registerConfig(program);
  registerDoctor(program);
}
