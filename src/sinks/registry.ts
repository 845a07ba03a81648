/** Sinks by name: `--sink cassandra|s3` is a lookup here. */
import type { LoadedConfig } from "../config/loader";
import { UsageError } from "../errors";
import type { Sink, SinkEvents, SinkFactory } from "./types";

export const SINKS: Record<string, SinkFactory> = {
  async cassandra(loaded) {
    const { CassandraSink } = await import("./cassandra/sink");
    return new CassandraSink(loaded);
  },
  async s3(loaded, events) {
    const { S3Sink } = await import("./s3/sink");
    return new S3Sink(loaded, events);
  },
};

export const SINK_NAMES = Object.keys(SINKS);

export async function createSink(name: string, loaded: LoadedConfig, events: SinkEvents = {}): Promise<Sink> {
  const factory = SINKS[name];
  if (!factory) throw new UsageError(`unknown sink ${name}: choose ${SINK_NAMES.join(", ")}`);
  return factory(loaded, events);
}
