// npm run bench:demo — the README's main command, timed as a newcomer and as a regular meet it.
//
// Warm: `stockpipe demo` on the running local stack, `runs` times (median). First run: the demo on a machine whose
// stack has never run — an empty home (so an empty local.dir), ports of its own, and an empty Maven repository, so
// the services are downloaded from Maven Central as on a fresh machine — then `local down --purge`. npm ci: a fresh
// worktree of HEAD installed as the README says (`npm ci`, which builds) with an empty npm cache. Fresh machine =
// npm ci + first run. `node bench/demo.mjs 3 npm` measures npm ci alone.
// Usage: node bench/demo.mjs [runs]
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BIN, isMain, median, ROOT, writeResult } from "./lib.mjs";

const seconds = (from) => Math.round((performance.now() - from) / 100) / 10;

function timed(args, env = {}, cwd = ROOT) {
  const started = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`stockpipe ${args.join(" ")} failed (${r.status}): ${r.stderr.slice(-800)}`);
  return { seconds: seconds(started), stderr: r.stderr };
}

/** The demo on a stack that has never run, downloading the services into an empty Maven repository. */
function firstRun() {
  const root = mkdtempSync(join(tmpdir(), "stockpipe-first-run-"));
  const base = 30_000 + 10 * Math.floor(Math.random() * 2000);
  const env = {
    HOME: join(root, "home"),
    MAVEN_OPTS: `${process.env.MAVEN_OPTS ?? ""} -Dmaven.repo.local=${join(root, "m2")}`.trim(),
    STOCKPIPE_LOCAL_KAFKA_PORT: String(base),
    STOCKPIPE_LOCAL_CASSANDRA_PORT: String(base + 2),
    STOCKPIPE_LOCAL_CASSANDRA_STORAGE_PORT: String(base + 3),
    STOCKPIPE_LOCAL_S3_PORT: String(base + 4),
  };
  try {
    const r = timed(["demo"], env);
    if (!r.stderr.includes("✔ both sinks hold every produced tick exactly once"))
      throw new Error(`first run: sinks differ\n${r.stderr.slice(-800)}`);
    return r.seconds;
  } finally {
    spawnSync(process.execPath, [BIN, "local", "down", "--purge"], { env: { ...process.env, ...env }, stdio: "ignore" });
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * `npm ci` in a fresh worktree of HEAD with an empty npm cache, as on a fresh machine (the install builds
 * stockpipe through its prepare script).
 */
function npmCi() {
  const root = mkdtempSync(join(tmpdir(), "stockpipe-npm-ci-"));
  const dir = join(root, "stockpipe");
  execFileSync("git", ["worktree", "add", "--detach", dir, "HEAD"], { cwd: ROOT, stdio: "ignore" });
  try {
    const started = performance.now();
    execFileSync("npm", ["ci", "--no-audit", "--no-fund"], {
      cwd: dir,
      stdio: "ignore",
      env: { ...process.env, npm_config_cache: join(root, "npm-cache") },
    });
    return seconds(started);
  } finally {
    spawnSync("git", ["worktree", "remove", "--force", dir], { cwd: ROOT });
    rmSync(root, { recursive: true, force: true });
  }
}

export function benchDemo({ runs = 3 } = {}) {
  timed(["demo"]); // the stack and the page cache warmed once, not counted
  const warm = [];
  for (let run = 1; run <= runs; run++) {
    warm.push(timed(["demo"]).seconds);
    process.stderr.write(`warm demo run ${run}: ${warm.at(-1)} s\n`);
  }
  const first = firstRun();
  process.stderr.write(`first run (empty stack and Maven repository): ${first} s\n`);
  const ci = npmCi();
  process.stderr.write(`npm ci in a fresh clone: ${ci} s\n`);
  return {
    benchmark: "stockpipe demo: warm, and a first run on a fresh machine (empty stack and Maven repository) after npm ci",
    warmSeconds: warm,
    medianWarmSeconds: median(warm),
    firstRunSeconds: first,
    npmCiSeconds: ci,
    freshMachineSeconds: Math.round((first + ci) * 10) / 10,
    bars: { warmSeconds: 15, freshMachineSeconds: 60 },
  };
}

if (isMain(import.meta.url) && process.argv[3] === "npm") process.stdout.write(`npm ci in a fresh clone, empty cache: ${npmCi()} s\n`);
else if (isMain(import.meta.url)) await writeResult("demo", async () => benchDemo({ runs: Number(process.argv[2] ?? 3) }));
