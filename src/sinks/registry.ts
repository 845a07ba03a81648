/** Sinks by name: `--sink cassandra|s3` is a lookup here. */
import type { ResolvedConfig } from "../config/schema";
import { RuntimeError, UsageError } from "../errors";
import type { Sink } from "./types";

export const SINKS: Record<string, (config: ResolvedConfig) => Promise<Sink>> = {
  async cassandra(config) {
    const { CassandraSink } = await import("./cassandra/sink");
    return new CassandraSink(config);
  },
  async s3() {
    throw new RuntimeError("the S3 sink is not built yet", { hint: "use --sink cassandra" });
  },
};

export async function createSink(name: string, config: ResolvedConfig): Promise<Sink> {
  const factory = SINKS[name];
  if (!factory) throw new UsageError(`unknown --sink ${name}: choose ${Object.keys(SINKS).join(", ")}`);
  return factory(config);
}
