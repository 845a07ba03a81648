// Shared helpers for the benchmark scripts: the machine, the local stack, running the built CLI, medians.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { cpus, platform, release, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const BIN = join(ROOT, "bin", "stockpipe.js");
/** The CLI the helpers run, and the Node that runs it: this tree's on this Node, or another build's or Node's (bench:compare switches between two). */
let bin = BIN;
let node = process.execPath;
export function useBinary(path, nodePath = process.execPath) {
  bin = path;
  node = nodePath;
}
export const RESULTS = join(ROOT, "bench", "results");

/** True when the module at `url` is the script node was started with. */
export function isMain(url) {
  return process.argv[1] !== undefined && url === pathToFileURL(process.argv[1]).href;
}

/** A single benchmark script's main: stack up if needed, run, print and write bench/results/<name>.json. */
export async function writeResult(name, run) {
  const stop = ensureStack();
  try {
    const report = { ...(await run()), machine: machine(), at: new Date().toISOString() };
    console.log(JSON.stringify(report, null, 2));
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(join(RESULTS, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
  } finally {
    stop();
  }
}

export function machine() {
  const java = spawnSync("java", ["-version"], { encoding: "utf8" }).stderr.split("\n")[0];
  const version = (pkg) => {
    try {
      return JSON.parse(readFileSync(join(ROOT, "node_modules", pkg, "package.json"), "utf8")).version;
    } catch {
      return "unknown";
    }
  };
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()}`,
    node: process.version,
    java,
    kafka: `${pomVersion("kafka", "kafka_2.13")} (KRaft, local stack)`,
    cassandra: `${pomVersion("cassandra", "cassandra-all")} (local stack)`,
    s3: `S3Proxy ${pomVersion("s3proxy", "s3proxy")} (local stack)`,
    kafkajs: version("kafkajs"),
    cassandraDriver: version("cassandra-driver"),
    duckdb: version("@duckdb/node-api"),
  };
}

/** The version of a service the local stack runs, from its pom in stack/. */
function pomVersion(dir, artifact) {
  const pom = readFileSync(join(ROOT, "stack", dir, "pom.xml"), "utf8");
  const dependency = pom.slice(pom.indexOf("<dependencies>"));
  return dependency.match(new RegExp(`<artifactId>${artifact}</artifactId>\\s*<version>([^<]+)</version>`))?.[1] ?? "unknown";
}

/** Spawns the CLI; `done` resolves with its exit code and output when it ends; `stderrNow()` is its stderr so far. */
export function start(args, env = {}) {
  const child = spawn(node, [bin, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const done = new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
  return { child, done, stderrNow: () => stderr };
}

/** Runs the CLI; returns stdout, throws with stderr on failure. */
export function stockpipe(args, env = {}) {
  const r = spawnSync(node, [bin, ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`stockpipe ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** Deletes a topic and every topic made from it (bars, alerts, late, dead letters, analysis state), with a kafkajs admin. */
export async function deleteAll(admin, topic) {
  const topics = (await admin.listTopics()).filter((t) => t === topic || t.startsWith(`${topic}.`));
  if (topics.length) await admin.deleteTopics({ topics, timeout: 30_000 }).catch(() => {});
}

/** Deletes a benchmark's topic and the dead-letter topic its consumers made; ignores what is not there. */
export function deleteTopics(topic) {
  for (const t of [topic, `${topic}.dlq`]) {
    try {
      stockpipe(["topic", "delete", t, "--yes"]);
    } catch {}
  }
}

/**
 * The drain benchmarks' shape: a fresh 6-partition topic pre-filled with `count` seeded synthetic ticks
 * (500 symbols), `runs` calls of `drainOnce(topic, run, measure)` — each returns the summary of one
 * `consume --exit-at-end -f json`, run inside `measure(() => …)` so its CPU per row is taken — and the report
 * with the medians. The topic is deleted afterwards.
 */
export function drainBenchmark({ name, benchmark, count, runs, seed, bar }, drainOnce) {
  const topic = `bench-${name}-${Date.now()}`;
  const pids = servicePids();
  stockpipe(["topic", "create", topic, "-p", "6"]);
  try {
    stockpipe(["produce", "--source", "synthetic", "--symbols", "500", "--seed", String(seed), "--limit", String(count), "--topic", topic]);
    const results = [];
    for (let run = 1; run <= runs; run++) {
      let cpu;
      const s = drainOnce(topic, run, (consume) => {
        const from = cpuNow(pids);
        const out = consume();
        cpu = cpuPerRecord(from, cpuNow(pids), count);
        return out;
      });
      if (s.written !== count) throw new Error(`${name} run ${run} wrote ${s.written} of ${count} rows`);
      const drain = Math.round(s.written / s.drainSeconds);
      results.push({
        run,
        rows: s.written,
        drainSeconds: s.drainSeconds,
        rowsPerSecond: drain,
        totalSeconds: s.seconds,
        rowsPerSecondWithStartup: s.rowsPerSecond,
        cpuMicrosPerRow: cpu,
        peakRssMb: s.peakRssMb,
      });
      process.stderr.write(`${name} run ${run}: ${drain} rows/s (${s.rowsPerSecond} with start-up)\n`);
    }
    const report = {
      benchmark,
      count,
      runs: results,
      medianRowsPerSecond: median(results.map((r) => r.rowsPerSecond)),
      medianRowsPerSecondWithStartup: median(results.map((r) => r.rowsPerSecondWithStartup)),
      medianCpuMicrosPerRow: medianOfEach(results.map((r) => r.cpuMicrosPerRow)),
      medianPeakRssMb: median(results.map((r) => r.peakRssMb)),
      bar,
    };
    report.meetsBar = report.medianRowsPerSecond >= bar;
    return report;
  } finally {
    deleteTopics(topic);
  }
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

/** Clock ticks per second of /proc's CPU times (Linux: 100). */
const CLOCK_TICKS = 100;

/** CPU seconds (user + system) from a /proc stat line's fields after the command name: [11] utime, [12] stime, [13] cutime, [14] cstime. */
function statFields(pid) {
  return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
}

/** The local stack's running services and their pids. */
export function servicePids() {
  const status = JSON.parse(spawnSync(process.execPath, [BIN, "local", "status", "-f", "json"], { encoding: "utf8" }).stdout || "[]");
  return Object.fromEntries(status.filter((s) => s.pid).map((s) => [s.service, s.pid]));
}

/**
 * CPU used so far, in seconds: by this benchmark's finished child processes (the stockpipe commands it ran and
 * waited for) and by each service in `pids`. Reads /proc only, so taking it costs no CPU of its own; undefined
 * off Linux.
 */
export function cpuNow(pids) {
  try {
    const self = statFields("self");
    const services = Object.fromEntries(
      Object.entries(pids).map(([name, pid]) => {
        const f = statFields(pid);
        return [name, (Number(f[11]) + Number(f[12])) / CLOCK_TICKS];
      }),
    );
    return { stockpipe: (Number(self[13]) + Number(self[14])) / CLOCK_TICKS, ...services };
  } catch {
    return undefined;
  }
}

/** CPU microseconds per record of each process between two cpuNow() readings. */
export function cpuPerRecord(from, to, records) {
  if (!from || !to) return undefined;
  return Object.fromEntries(Object.keys(to).map((k) => [k, Math.round((((to[k] - (from[k] ?? 0)) * 1e6) / records) * 10) / 10]));
}

/** The value at percent `p` (50, 99, …) of an ascending list; undefined when it is empty. */
export function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : undefined;
}

/** The median of each key over a list of objects of numbers (undefined entries are left out). */
export function medianOfEach(list) {
  const present = list.filter(Boolean);
  if (present.length === 0) return undefined;
  return Object.fromEntries(Object.keys(present[0]).map((k) => [k, median(present.map((x) => x[k]))]));
}

/**
 * A Java tool's classpath, resolved by Maven from its pom ("mvn dependency:build-classpath") into
 * bench/results/tmp/<name>.classpath once, and reused while the pom is unchanged and the jars are there.
 */
export function mavenClasspath(pom, name) {
  const file = join(RESULTS, "tmp", `${name}.classpath`);
  if (existsSync(file) && statSync(file).mtimeMs >= statSync(pom).mtimeMs) {
    const cp = readFileSync(file, "utf8").trim();
    if (cp.split(":").every((jar) => existsSync(jar))) return cp;
  }
  mkdirSync(join(RESULTS, "tmp"), { recursive: true });
  const r = spawnSync(
    "mvn",
    ["-q", "-B", "-f", pom, "dependency:build-classpath", `-Dmdep.outputFile=${file}`, "-Dmdep.includeScope=runtime"],
    {
      encoding: "utf8",
    },
  );
  if (r.status !== 0) throw new Error(`mvn could not resolve ${name}: ${(r.stdout + r.stderr).slice(-500)}`);
  return readFileSync(file, "utf8").trim();
}

/** CPU seconds (user + system) a running process has used so far (Linux /proc). */
export function procCpuSeconds(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
}

/** A memory figure of a running process in MB: VmRSS (resident now) or VmHWM (peak resident). */
export function memoryMb(pid, field) {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Math.round(Number(m[1]) / 1024) : undefined;
}

/** Waits until a started command prints a line matching `pattern` on stderr; returns the first group. */
export async function printed(proc, pattern, what) {
  let text = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: nothing within 60 s:\n${text}`)), 60_000);
    proc.child.stderr.on("data", (d) => {
      text += d;
      const m = pattern.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
}
