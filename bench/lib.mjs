// Shared helpers for the benchmark scripts: the machine, the local stack, running the built CLI, medians.
import { execFileSync, spawnSync } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(ROOT, "bin", "stockpipe.js");

export function machine() {
  const java = spawnSync("java", ["-version"], { encoding: "utf8" }).stderr.split("\n")[0];
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    java,
  };
}

/** Runs the CLI; returns stdout, throws with stderr on failure. */
export function stockpipe(args, env = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`stockpipe ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** Starts the local stack's missing services; returns a function that stops only those. */
export function ensureStack() {
  const status = JSON.parse(spawnSync(process.execPath, [BIN, "local", "status", "-f", "json"], { encoding: "utf8" }).stdout || "[]");
  const missing = status.filter((s) => s.state !== "running").map((s) => s.service);
  if (missing.length) {
    process.stderr.write(`starting ${missing.join(", ")}…\n`);
    execFileSync(process.execPath, [BIN, "local", "up", ...missing], { stdio: ["ignore", "ignore", "inherit"] });
  }
  return () => {
    if (missing.length) execFileSync(process.execPath, [BIN, "local", "down", ...missing], { stdio: ["ignore", "ignore", "inherit"] });
  };
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
