import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { serviceDirs } from "../../../src/local/paths";
import { marker, runningPid } from "../../../src/local/process";

describe("a service whose pid file was lost", () => {
  it("is found by the marker in its command line and adopted, so down can stop it and up starts no second one", async () => {
    const dirs = serviceDirs(mkdtempSync(join(tmpdir(), "stockpipe-proc-")), "cassandra");
    const m = marker("cassandra", dirs);
    expect(runningPid("cassandra", dirs)).toBeUndefined();
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)", m], { stdio: "ignore" });
    try {
      await new Promise((r) => child.once("spawn", r));
      expect(existsSync(dirs.pidFile)).toBe(false);
      // On a loaded machine the new process may show its command line a moment after it is spawned, and a scan of
      // /proc may wait on a busy process (a JVM in a collection holds its memory map, which reading its command
      // line needs): the test gives it time, as `local up` does.
      const until = Date.now() + 25_000;
      while (runningPid("cassandra", dirs) === undefined && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      expect(runningPid("cassandra", dirs)).toBe(child.pid);
      expect(JSON.parse(readFileSync(dirs.pidFile, "utf8"))).toMatchObject({ pid: child.pid, marker: m });
      // Another service's marker is not ours.
      expect(runningPid("kafka", serviceDirs(dirs.root, "kafka"))).toBeUndefined();
    } finally {
      child.kill("SIGKILL");
    }
  }, 30_000);
});
