import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/loader";
import { withLocalEndpoints } from "../../../src/local/env";

const load = (env: Record<string, string>) => loadConfig({ cwd: mkdtempSync(join(tmpdir(), "stockpipe-env-")), env });

describe("a command on the stack it started", () => {
  it("talks to the stack's own ports where the user set no endpoint", () => {
    const loaded = withLocalEndpoints(
      load({ STOCKPIPE_LOCAL_KAFKA_PORT: "29092", STOCKPIPE_LOCAL_CASSANDRA_PORT: "29042", STOCKPIPE_LOCAL_S3_PORT: "29000" }),
    );
    expect(loaded.config.kafka.brokers).toEqual(["127.0.0.1:29092"]);
    expect(loaded.config.cassandra.contactPoints).toEqual(["127.0.0.1:29042"]);
    expect(loaded.config.s3.endpoint).toBe("http://127.0.0.1:29000");
    expect(loaded.origins.get("kafka.brokers")).toBe("local stack (default profile)");
  });

  it("leaves an endpoint the user set alone, and follows the profile's offset", () => {
    const loaded = withLocalEndpoints(load({ STOCKPIPE_KAFKA_BROKERS: "kafka-1:9092", STOCKPIPE_LOCAL_PROFILE: "cluster" }));
    expect(loaded.config.kafka.brokers).toEqual(["kafka-1:9092"]);
    expect(loaded.config.cassandra.contactPoints).toEqual(["127.0.0.1:9242"]);
    expect(loaded.config.s3.endpoint).toBe("http://127.0.0.1:9200");
  });
});
