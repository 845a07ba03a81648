import type { Command } from "commander";
import { registerAnalyze } from "./analyze";
import { registerBackfill } from "./backfill";
import { registerCompletion } from "./completion";
import { registerConfig } from "./config";
import { registerConsume } from "./consume";
import { registerDashboard } from "./dashboard";
import { registerDemo } from "./demo";
import { registerDlq } from "./dlq";
import { registerDoctor } from "./doctor";
import { registerLocal } from "./local";
import { registerNotify } from "./notify";
import { registerProduce } from "./produce";
import { registerQuery } from "./query";
import { registerSchema } from "./schema";
import { registerTail } from "./tail";
import { registerTopic } from "./topic";
import { registerVerify } from "./verify";

export function registerCommands(program: Command): void {
  registerTopic(program);
  registerProduce(program);
  registerConsume(program);
  registerAnalyze(program);
  registerBackfill(program);
  registerNotify(program);
  registerDashboard(program);
  registerSchema(program);
  registerQuery(program);
  registerTail(program);
  registerDlq(program);
  registerVerify(program);
  registerDemo(program);
  registerLocal(program);
  registerConfig(program);
  registerDoctor(program);
  registerCompletion(program);
}
