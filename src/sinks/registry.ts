/** Sinks by name: `--sink cassandra|s3` is a lookup here. */
import type { ResolvedConfig } from "../config/schema";
import { UsageError } from "../errors";
import type { Sink } from "./types";

export const SINKS: Record<string, (config: ResolvedConfig) => Promise<Sink>> = {
  async cassandra(config) {
    const { CassandraSink } = await import("./cassandra/sink");
    return new CassandraSink(config);
  },
  async s3(config) {
    const { S3Sink } = await import("./s3/sink");
    const { log } = await import("../ui/log");
    let lastWarning = 0;
    return new S3Sink(config, undefined, (err, attempt, delay) => {
      if (Date.now() - lastWarning < 5000) return;
      lastWarning = Date.now();
      log.warn(`S3 upload failed (${err.message.split("\n")[0]}); retry ${attempt} in ${delay}ms, nothing committed past it`);
    });
  },
};

export async function createSink(name: string, config: ResolvedConfig): Promise<Sink> {
  const factory = SINKS[name];
  if (!factory) throw new UsageError(`unknown --sink ${name}: choose ${Object.keys(SINKS).join(", ")}`);
  return factory(config);
}
