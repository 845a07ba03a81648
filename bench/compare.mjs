// npm run bench:compare -- <git ref> [--rounds N] [--count N] [--only produce,cassandra,…] [--old-node <path>]
//
// This working tree against another commit, both measured on one stack in one invocation: absolute figures from
// different days of a shared machine cannot show a regression, the same stack, data and moment can. The ref is
// built in a worktree of its own (its own `npm ci` and build, kept under the system's temp folder for the next
// compare of the same commit). Then, round after round, every step runs once per side back to back, the side that
// goes first alternating: produce N ticks into a fresh topic; drain one pre-filled topic into Cassandra and into
// the lake; analyze it (1m, 5m, 1d with the default rules); tick → Cassandra latency at 5,000/s and 17,000/s
// (open loop); a live feed from a local server (Alpaca's frames of 100 trades, Coinbase's one match a frame); the
// warm demo; and the peak RSS of each process. Per figure: each side's median, the ratio new/old
// and the spread of the rounds ((max − min) / median, per side); a figure is named a regression only where new is
// worse than old by more than the larger spread (and by 3 % at least). Output: a table on stdout and
// bench/results/compare-<ref>.md (+ .json). With --old-node, the old side runs on that Node binary (e.g. the
// machine's own): `compare HEAD --old-node /usr/bin/node` puts two Node versions side by side on the same code.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import kafkajs from "kafkajs";
import { latencyRun, services } from "./latency.mjs";
import {
  BIN,
  cpuNow,
  cpuPerRecord,
  deleteAll,
  deleteTopics,
  ensureStack,
  machine,
  median,
  RESULTS,
  ROOT,
  servicePids,
  stockpipe,
  useBinary,
} from "./lib.mjs";

const STEPS = ["produce", "cassandra", "lake", "analyze", "latency", "feeds", "demo"];

function args() {
  const argv = process.argv.slice(2);
  const value = (name, fallback) => {
    const i = argv.indexOf(name);
    return i < 0 ? fallback : argv[i + 1];
  };
  const ref = argv.find((a, i) => !a.startsWith("--") && !argv[i - 1]?.startsWith("--"));
  if (!ref) {
    process.stderr.write(
      "usage: npm run bench:compare -- <git ref> [--rounds 3] [--count 300000] [--only produce,cassandra,lake,analyze,latency,feeds,demo]\n",
    );
    process.exit(2);
  }
  const only = value("--only", STEPS.join(",")).split(",");
  for (const s of only) if (!STEPS.includes(s)) throw new Error(`--only: unknown step ${s} (steps: ${STEPS.join(", ")})`);
  return {
    ref,
    rounds: Number(value("--rounds", 3)),
    count: Number(value("--count", 300_000)),
    only,
    oldNode: value("--old-node", process.execPath),
  };
}

const git = (...a) => execFileSync("git", a, { cwd: ROOT, encoding: "utf8" }).trim();

/** The ref built in a worktree of its own: its bin/stockpipe.js. Reused while that commit's build is there. */
function buildRef(ref) {
  const sha = git("rev-parse", "--verify", `${ref}^{commit}`);
  const dir = join(tmpdir(), "stockpipe-compare", sha);
  const bin = join(dir, "bin", "stockpipe.js");
  if (existsSync(join(dir, "dist", "cli.js"))) return { sha, bin };
  process.stderr.write(`building ${ref} (${sha.slice(0, 12)}) in ${dir}: npm ci and its build…\n`);
  if (existsSync(dir)) {
    spawnSync("git", ["worktree", "remove", "--force", dir], { cwd: ROOT });
    rmSync(dir, { recursive: true, force: true });
  }
  git("worktree", "prune");
  mkdirSync(join(tmpdir(), "stockpipe-compare"), { recursive: true });
  git("worktree", "add", "--detach", dir, sha);
  execFileSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: dir, stdio: ["ignore", "ignore", "inherit"] });
  if (!existsSync(join(dir, "dist", "cli.js"))) execFileSync("npm", ["run", "build"], { cwd: dir, stdio: ["ignore", "ignore", "inherit"] });
  return { sha, bin };
}

/** One side's run of a step: figures by name (higher or lower better is in FIGURES). */
async function runStep(step, ctx, side, round) {
  const id = `${side}-${round}-${Date.now().toString(36)}`;
  const pids = ctx.pids;
  switch (step) {
    case "produce": {
      const topic = `bench-cmp-produce-${id}`;
      stockpipe(["topic", "create", topic, "-p", "6"]);
      try {
        const from = cpuNow({});
        const s = JSON.parse(
          stockpipe([
            "produce",
            "--source",
            "synthetic",
            "--symbols",
            "500",
            "--seed",
            "7",
            "--limit",
            String(ctx.count),
            "--topic",
            topic,
            "-f",
            "json",
          ]),
        );
        const cpu = cpuPerRecord(from, cpuNow({}), ctx.count);
        return {
          "produce ticks/s": Math.round(s.sent / s.seconds),
          "produce CPU µs/tick": cpu?.stockpipe,
          "produce peak RSS MB": s.peakRssMb,
        };
      } finally {
        deleteTopics(topic);
      }
    }
    case "cassandra": {
      const keyspace = `bench_cmp_${id.replace(/-/g, "_")}`;
      const env = { STOCKPIPE_KAFKA_TOPIC: ctx.topic, STOCKPIPE_CASSANDRA_KEYSPACE: keyspace };
      stockpipe(["schema", "cassandra"], env);
      try {
        const from = cpuNow(pids);
        const s = JSON.parse(
          stockpipe(["consume", "--sink", "cassandra", "-g", `bench-cmp-${id}`, "--from", "earliest", "--exit-at-end", "-f", "json"], env),
        );
        const cpu = cpuPerRecord(from, cpuNow(pids), ctx.count);
        if (s.written !== ctx.count) throw new Error(`→Cassandra wrote ${s.written} of ${ctx.count}`);
        return {
          "→Cassandra rows/s": Math.round(s.written / s.drainSeconds),
          "→Cassandra CPU µs/row (stockpipe)": cpu?.stockpipe,
          "→Cassandra CPU µs/row (Cassandra)": cpu?.cassandra,
          "→Cassandra peak RSS MB": s.peakRssMb,
        };
      } finally {
        try {
          stockpipe(["query", `DROP KEYSPACE IF EXISTS ${keyspace}`], env);
        } catch {}
      }
    }
    case "lake": {
      const env = { STOCKPIPE_KAFKA_TOPIC: ctx.topic, STOCKPIPE_S3_PREFIX: `bench-cmp/${id}` };
      const from = cpuNow(pids);
      const s = JSON.parse(
        stockpipe(["consume", "--sink", "s3", "-g", `bench-cmp-${id}`, "--from", "earliest", "--exit-at-end", "-f", "json"], env),
      );
      const cpu = cpuPerRecord(from, cpuNow(pids), ctx.count);
      if (s.written !== ctx.count) throw new Error(`→lake wrote ${s.written} of ${ctx.count}`);
      return {
        "→lake rows/s": Math.round(s.written / s.drainSeconds),
        "→lake CPU µs/row": cpu?.stockpipe,
        "→lake peak RSS MB": s.peakRssMb,
      };
    }
    case "analyze": {
      const env = { STOCKPIPE_KAFKA_TOPIC: ctx.topic };
      const from = cpuNow(pids);
      const s = JSON.parse(
        stockpipe(
          ["analyze", "-g", `bench-cmp-${id}`, "--intervals", "1m,5m,1d", "--from", "earliest", "--exit-at-end", "-f", "json"],
          env,
        ),
      );
      const cpu = cpuPerRecord(from, cpuNow(pids), ctx.count);
      if (s.consumed !== ctx.count) throw new Error(`analyze consumed ${s.consumed} of ${ctx.count}`);
      return {
        "analyze ticks/s": Math.round(s.consumed / s.analyzeSeconds),
        "analyze CPU µs/tick": cpu?.stockpipe,
        "analyze peak RSS MB": s.peakRssMb,
      };
    }
    case "latency": {
      const out = {};
      for (const rate of [5_000, 17_000]) {
        const r = await latencyRun({
          rate,
          seconds: 20,
          warmup: 5,
          brokers: ctx.brokers,
          servicePids: ctx.latencyPids,
          run: `${side}${round}`,
        });
        out[`latency ${rate}/s p50 ms`] = r.latency.p50Ms;
        out[`latency ${rate}/s p99 ms`] = r.latency.p99Ms;
      }
      return out;
    }
    case "feeds": {
      // A live feed from a local server: Alpaca's frames of 100 trades, and Coinbase's one match a frame.
      const { throughputRun } = await import("./feeds.mjs");
      const alpaca = await throughputRun({ count: ctx.count, perFrame: 100, run: `${side}${round}` });
      const coinbase = await throughputRun({ count: Math.round(ctx.count / 3), perFrame: 1, run: `${side}${round}`, feed: "coinbase" });
      return {
        "alpaca feed (100 a frame) trades/s": alpaca.tradesPerSecond,
        "alpaca feed CPU µs/trade": alpaca.cpuMicrosPerTrade?.stockpipe,
        "coinbase feed (1 a frame) trades/s": coinbase.tradesPerSecond,
        "coinbase feed CPU µs/trade": coinbase.cpuMicrosPerTrade?.stockpipe,
      };
    }
    case "demo": {
      const started = performance.now();
      const r = spawnSync(ctx.nodes[side], [ctx.bins[side], "demo"], { encoding: "utf8", env: process.env, maxBuffer: 64 * 1024 * 1024 });
      if (r.status !== 0) throw new Error(`demo failed (${r.status}): ${r.stderr.slice(-500)}`);
      return { "warm demo s": Math.round((performance.now() - started) / 100) / 10 };
    }
  }
  throw new Error(`unknown step ${step}`);
}

/** Higher is better for rates; lower for times, CPU and memory. */
const higherIsBetter = (figure) => /\/s$/.test(figure);

function summarize(rounds) {
  const names = [...new Set(rounds.flatMap((r) => Object.keys({ ...r.old, ...r.new })))];
  return names.map((figure) => {
    const side = (s) => rounds.map((r) => r[s]?.[figure]).filter((v) => typeof v === "number");
    const [o, n] = [side("old"), side("new")];
    const stats = (v) =>
      v.length ? { median: median(v), spread: v.length > 1 ? (Math.max(...v) - Math.min(...v)) / median(v) : 0, values: v } : undefined;
    const old = stats(o);
    const nw = stats(n);
    if (!old || !nw || old.median === 0) return { figure, old, new: nw };
    const ratio = nw.median / old.median;
    const worse = higherIsBetter(figure) ? 1 - ratio : ratio - 1;
    const allowed = Math.max(old.spread, nw.spread, 0.03);
    return { figure, old, new: nw, ratio, regression: worse > allowed, improvement: -worse > allowed };
  });
}

const fmt = (v) => (v === undefined ? "–" : v >= 100 ? Math.round(v).toLocaleString("en-US") : String(Number(v.toPrecision(3))));
const pct = (v) => `${Math.round(v * 100)} %`;

function markdown(report) {
  const lines = [
    `# bench:compare — ${report.ref} (${report.sha.slice(0, 12)}) → working tree (${report.head.slice(0, 12)}${report.dirty ? ", with uncommitted changes" : ""})`,
    "",
    `${report.at}, old on Node ${report.oldNode}, new on Node ${report.newNode}; ${report.rounds} rounds interleaved on one stack (the side going first alternating), ${report.count.toLocaleString("en-US")} ticks per drain and analyze, ${report.machine.cores} cores (${report.machine.cpu}). A figure is a regression only where new is worse than old by more than the larger spread of the rounds (3 % at least).`,
    "",
    "| figure | old (median) | new (median) | new/old | spread old | spread new | verdict |",
    "|---|---:|---:|---:|---:|---:|---|",
  ];
  for (const f of report.figures) {
    const verdict =
      f.ratio === undefined ? "not measured on both" : f.regression ? "**regression**" : f.improvement ? "better" : "within the spread";
    lines.push(
      `| ${f.figure} | ${fmt(f.old?.median)} | ${fmt(f.new?.median)} | ${f.ratio === undefined ? "–" : f.ratio.toFixed(2)} | ${f.old ? pct(f.old.spread) : "–"} | ${f.new ? pct(f.new.spread) : "–"} | ${verdict} |`,
    );
  }
  if (report.failures.length) lines.push("", "Steps that failed (left out above):", ...report.failures.map((f) => `- ${f}`));
  lines.push("", "Every round's figures are in the .json beside this file.", "");
  return lines.join("\n");
}

async function main() {
  const o = args();
  const { sha, bin: oldBin } = buildRef(o.ref);
  const head = git("rev-parse", "HEAD");
  const dirty = git("status", "--porcelain", "--untracked-files=no") !== "";
  const stop = ensureStack();
  const failures = [];
  try {
    useBinary(BIN);
    const { brokers, servicePids: latencyPids } = services();
    const ctx = {
      count: o.count,
      pids: servicePids(),
      brokers,
      latencyPids,
      bins: { old: oldBin, new: BIN },
      nodes: { old: o.oldNode, new: process.execPath },
      topic: `bench-cmp-${Date.now().toString(36)}`,
    };
    if (o.only.some((s) => ["cassandra", "lake", "analyze"].includes(s))) {
      stockpipe(["topic", "create", ctx.topic, "-p", "6"]);
      stockpipe(["produce", "--source", "synthetic", "--symbols", "500", "--seed", "11", "--limit", String(o.count), "--topic", ctx.topic]);
    }
    const rounds = [];
    try {
      for (let round = 1; round <= o.rounds; round++) {
        const r = { round, old: {}, new: {} };
        for (const step of o.only) {
          const order = (round + o.only.indexOf(step)) % 2 ? ["old", "new"] : ["new", "old"];
          for (const side of order) {
            useBinary(ctx.bins[side], ctx.nodes[side]);
            try {
              Object.assign(r[side], await runStep(step, ctx, side, round));
              process.stderr.write(`round ${round} ${step} ${side}: ${JSON.stringify(r[side])}\n`);
            } catch (err) {
              failures.push(`round ${round}, ${step}, ${side}: ${err.message.split("\n")[0].slice(0, 300)}`);
              process.stderr.write(`round ${round} ${step} ${side} failed: ${err.message.slice(0, 500)}\n`);
            }
          }
        }
        rounds.push(r);
      }
    } finally {
      useBinary(BIN);
      const admin = new kafkajs.Kafka({ brokers, logLevel: kafkajs.logLevel.NOTHING }).admin();
      await admin.connect();
      await deleteAll(admin, ctx.topic);
      await admin.disconnect();
    }
    const nodeVersion = (path) => spawnSync(path, ["--version"], { encoding: "utf8" }).stdout.trim();
    const report = {
      oldNode: nodeVersion(o.oldNode),
      newNode: process.version,
      ref: o.ref,
      sha,
      head,
      dirty,
      rounds: o.rounds,
      count: o.count,
      at: new Date().toISOString(),
      machine: machine(),
      figures: summarize(rounds),
      failures,
      runs: rounds,
    };
    const name = `compare-${o.ref.replace(/[^A-Za-z0-9._-]/g, "_")}${o.oldNode === process.execPath ? "" : `-node${report.oldNode.replace(/^v/, "")}`}`;
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(join(RESULTS, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
    const md = markdown(report);
    writeFileSync(join(RESULTS, `${name}.md`), md);
    process.stdout.write(md);
    process.stderr.write(`\nwritten: bench/results/${name}.md\n`);
  } finally {
    stop();
  }
}

await main();
