/**
 * Integration test setup: the real local stack. Services already running (a developer's `stockpipe local up`)
 * are used as they are; the ones this setup starts, it stops at the end.
 */
import { loadConfig } from "../../src/config/loader";
import { down, type ServiceName, status, up } from "../../src/local/stack";
import { removeTestArtifacts } from "./cleanup";

export default async function setup(): Promise<() => Promise<void>> {
  const { config } = loadConfig({ env: {} });
  const began = Date.now();
  const before = await status(config);
  const toStart = before.filter((s) => s.state !== "running").map((s) => s.service as ServiceName);
  if (toStart.length > 0) {
    process.stderr.write(`[test setup] starting the local stack: ${toStart.join(", ")}\n`);
    const started = Date.now();
    await up(config, { progress: () => {} }, toStart);
    process.stderr.write(`[test setup] local stack ready in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
  }
  return async () => {
    const removed = await removeTestArtifacts(config, began);
    process.stderr.write(`[test setup] removed what the tests made: ${removed.topics} topics, ${removed.keyspaces} keyspaces\n`);
    if (toStart.length === 0) return;
    process.stderr.write(`[test setup] stopping what it started: ${toStart.join(", ")}\n`);
    await down(config, { only: toStart });
  };
}
