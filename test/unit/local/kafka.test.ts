import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { clusterId } from "../../../src/local/services/kafka";

describe("the local Kafka's cluster id", () => {
  it("is 22 base64url characters, never starting with '-' (the storage tool would read it as an option), and kept", () => {
    const root = mkdtempSync(join(tmpdir(), "sp-cluster-id-"));
    try {
      // 1 in 64 random ids starts with "-": 640 fresh stacks would meet about ten.
      const ids = Array.from({ length: 640 }, (_, i) => clusterId(join(root, String(i))));
      for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
      expect(new Set(ids).size).toBe(ids.length);
      expect(clusterId(join(root, "7"))).toBe(ids[7]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
