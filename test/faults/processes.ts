/** What the fault tests share: the CLI as a background process with its output so far, and polling with a deadline. */
import { type ChildProcess, spawn } from "node:child_process";
import { BIN } from "../helpers";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Running {
  child: ChildProcess;
  /** Resolves with the exit code. */
  done: Promise<number>;
  out: () => string;
  /** What it printed on stderr so far, and its exit code once it exited. */
  err: () => string;
}

/** Starts `stockpipe args…` in the background with `env` added to this process's environment. */
export function start(args: string[], env: Record<string, string>): Running {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  let code: number | undefined;
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (err += d));
  const done = new Promise<number>((r) =>
    child.on("close", (c) => {
      code = c ?? -1;
      r(code);
    }),
  );
  return { child, done, out: () => out, err: () => (code === undefined ? err : `${err}\n(exited with ${code})`) };
}

/**
 * Polls `check` (errors count as "not yet") until it gives a value; on timeout fails with what the running
 * processes printed (`context`).
 */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
  context: () => string = () => "",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000}s\n${context()}`);
    await sleep(500);
  }
}
