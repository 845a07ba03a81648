import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Spool } from "../../../../src/sinks/s3/spool";

const dir = mkdtempSync(join(tmpdir(), "stockpipe-spool-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("lake spool", () => {
  it("keeps every line, in the order appended, across appends not awaited one by one", async () => {
    const spool = new Spool(join(dir, "a.jsonl"));
    const lines = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ i, s: "é\u2028" }));
    const writes = [];
    for (let i = 0; i < lines.length; i += 137) writes.push(spool.append(lines.slice(i, i + 137)));
    writes.push(spool.append([]));
    await Promise.all(writes);
    await spool.finish();
    expect(readFileSync(spool.path, "utf8")).toBe(`${lines.join("\n")}\n`);
    await spool.remove();
    expect(existsSync(spool.path)).toBe(false);
  });

  it("fails the append, and every later one, when the file cannot be written", async () => {
    const spool = new Spool(join(dir, "missing-folder", "b.jsonl"));
    await expect(spool.append(["{}"])).rejects.toThrow(/ENOENT/);
    await expect(spool.append(["{}"])).rejects.toThrow(/ENOENT/);
    await expect(spool.finish()).rejects.toThrow(/ENOENT/);
    await spool.remove();
  });
});
