import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { clusterId, dataVersion, versionStep } from "../../../src/local/services/kafka";

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

describe("the Kafka line a stack's data was written by", () => {
  it("is the recorded one, 3.9 for data without a record, none for a fresh or purged folder", () => {
    const root = mkdtempSync(join(tmpdir(), "sp-kafka-version-"));
    try {
      const data = join(root, "data");
      expect(dataVersion(root, data)).toBeUndefined();
      mkdirSync(data);
      writeFileSync(join(data, "meta.properties"), "version=1\n");
      expect(dataVersion(root, data)).toBe("3.9");
      writeFileSync(join(root, "data-kafka-version"), "4.4\n");
      expect(dataVersion(root, data)).toBe("4.4");
      // Purged data (`local down --purge`) is a fresh folder again, whatever the record says.
      rmSync(join(data, "meta.properties"));
      expect(dataVersion(root, data)).toBeUndefined();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("decides: a fresh folder is formatted, 3.9's data is upgraded by 4.4, 4.4's data is refused by 3.9", () => {
    expect(versionStep(undefined, "4.4")).toBe("fresh");
    expect(versionStep("3.9", "3.9")).toBe("same");
    expect(versionStep("4.4", "4.4")).toBe("same");
    expect(versionStep("3.9", "4.4")).toBe("upgrade");
    expect(versionStep("4.4", "3.9")).toBe("refuse");
  });
});
