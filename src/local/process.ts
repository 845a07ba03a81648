/**
 * Starting and stopping the stack's JVMs. Each runs detached with its output in its own log file; a pid file
 * records it, and a marker in its command line (`-Dstockpipe.service=<name>@<dir>`) lets `down` make sure it
 * stops only processes this stack started, never a stranger that reused the pid.
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { RuntimeError } from "../errors";
import type { ServiceDirs } from "./paths";

export interface PidInfo {
  pid: number;
  startedAt: string;
  marker: string;
}

export function marker(service: string, dirs: ServiceDirs): string {
  return `-Dstockpipe.service=${service}@${dirs.root}`;
}

export function readPid(dirs: ServiceDirs): PidInfo | undefined {
  if (!existsSync(dirs.pidFile)) return undefined;
  try {
    return JSON.parse(readFileSync(dirs.pidFile, "utf8")) as PidInfo;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The pid is alive and its command line carries our marker (checked through /proc where there is one). */
export function isOurs(info: PidInfo): boolean {
  if (!isAlive(info.pid)) return false;
  const cmdline = `/proc/${info.pid}/cmdline`;
  if (!existsSync("/proc/self/cmdline")) return true;
  try {
    return readFileSync(cmdline, "utf8").split("\0").includes(info.marker);
  } catch {
    return false;
  }
}

/**
 * The pid of our running service, or undefined (a stale pid file is removed). A service whose pid file was lost
 * — two `up`s racing, one overwriting the other's file before failing — is found by its marker and adopted, so
 * that `down` still stops it and `up` does not start a second one.
 */
export function runningPid(service: string, dirs: ServiceDirs): number | undefined {
  const m = marker(service, dirs);
  const info = readPid(dirs);
  if (info && info.marker === m && isOurs(info)) return info.pid;
  if (info) rmSync(dirs.pidFile, { force: true });
  const found = findByMarker(m);
  if (found === undefined) return undefined;
  mkdirSync(dirs.root, { recursive: true });
  writeFileSync(dirs.pidFile, JSON.stringify({ pid: found, startedAt: new Date().toISOString(), marker: m } satisfies PidInfo));
  return found;
}

/** A live process whose command line carries `m`, through /proc (none where there is no /proc). */
export function findByMarker(m: string): number | undefined {
  if (!existsSync("/proc/self/cmdline")) return undefined;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").includes(m)) return Number(entry);
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return undefined;
}

export async function startJava(service: string, dirs: ServiceDirs, javaArgs: string[]): Promise<number> {
  mkdirSync(dirs.root, { recursive: true });
  const out = openSync(dirs.log, "a");
  const m = marker(service, dirs);
  const child = spawn(javaCommand(), [m, ...javaArgs], { cwd: dirs.root, detached: true, stdio: ["ignore", out, out] });
  closeSync(out);
  const pid = await new Promise<number>((resolve, reject) => {
    child.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        err.code === "ENOENT"
          ? new RuntimeError(`\`${javaCommand()}\` was not found; the local stack runs on OpenJDK 17`, {
              hint: "install Java 17 (e.g. `apt-get install openjdk-17-jdk-headless`) or set JAVA_HOME",
            })
          : err,
      ),
    );
    child.once("spawn", () => resolve(child.pid!));
  });
  child.unref();
  writeFileSync(dirs.pidFile, JSON.stringify({ pid, startedAt: new Date().toISOString(), marker: m } satisfies PidInfo));
  return pid;
}

export function javaCommand(): string {
  return process.env.JAVA_HOME ? `${process.env.JAVA_HOME}/bin/java` : "java";
}

/** SIGTERM, then SIGKILL after `graceMs`. Resolves when the process is gone. */
export async function stopPid(pid: number, graceMs: number): Promise<"stopped" | "killed"> {
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return "stopped";
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return "stopped";
    await sleep(200);
  }
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    /* already gone */
  }
  while (isAlive(pid)) await sleep(100);
  return "killed";
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function portInUse(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    socket.setTimeout(1000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(false));
  });
}

/** The last `lines` lines of a log, reading at most its last 1 MiB. */
export function tailFile(path: string, lines: number): string[] {
  if (!existsSync(path) || lines === 0) return [];
  const size = statSync(path).size;
  const length = Math.min(size, 1024 * 1024);
  const buf = Buffer.alloc(length);
  const fd = openSync(path, "r");
  try {
    readSync(fd, buf, 0, length, size - length);
  } finally {
    closeSync(fd);
  }
  return buf
    .toString("utf8")
    .split("\n")
    .filter((l) => l.trim())
    .slice(-lines);
}
