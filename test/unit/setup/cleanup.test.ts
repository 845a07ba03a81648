import { describe, expect, it } from "vitest";
import { uniqueName } from "../../helpers";
import { madeByRun } from "../../setup/cleanup";

describe("test clean-up", () => {
  it("recognises only names the current run made", () => {
    const since = Date.now() - 1000;
    const topic = uniqueName("test-produce-created");
    expect(madeByRun(topic, since)).toBe(true);
    expect(madeByRun(`${topic}.dlq`, since)).toBe(true);
    expect(madeByRun(`${topic}.bars.1m`, since)).toBe(true);
    expect(madeByRun(`${topic}.analyze-state.g-${topic}`, since)).toBe(true);
    expect(madeByRun(topic.replace(/-/g, "_"), since)).toBe(true);
    expect(madeByRun(`${topic.replace(/-/g, "_")}_2`, since)).toBe(true);
    expect(madeByRun(uniqueName("g"), since)).toBe(true);
    // Older runs, hand-made names and the product's own defaults are left alone.
    const old = `fault-${(since - 60_000).toString(36)}-abcdef`;
    expect(madeByRun(old, since)).toBe(false);
    for (const name of ["ticks", "ticks.dlq", "stockpipe", "stockpipe_demo", "stockpipe-demo", "my-topic-2024", "hsi-try"])
      expect(madeByRun(name, since)).toBe(false);
  });
});
