/**
 * The tour (docs/tour.md), run as written: every `$ stockpipe …` line of its walk from `topic create quotes` to
 * the bars from the lake's history, in order, on the local stack (its topic, keyspace and lake prefix made unique, as a user's clean
 * stack would have them to itself). Each command must succeed, and every table row the README shows must be
 * what the command prints now — the simulated quotes are seeded, so the figures are the same on every run.
 * Left out: the live feeds (they need the internet and keys), notify (a Slack webhook) and the dashboard (it
 * serves until Ctrl-C), which have tests of their own. The README's short tour is the same commands.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, stockpipe, uniqueName } from "../helpers";
import { TestStores } from "../stores";

const page = readFileSync(join(ROOT, "docs", "tour.md"), "utf8");
const tour = page.slice(page.indexOf("Your own topic, simulated quotes"), page.indexOf("## Bad messages"));
const readme = readFileSync(join(ROOT, "README.md"), "utf8");
const topic = uniqueName("tour-quotes");
const stores = new TestStores();
const env = {
  STOCKPIPE_CASSANDRA_KEYSPACE: stores.keyspace(`tour_${Date.now().toString(36)}`),
  STOCKPIPE_S3_PREFIX: stores.prefix(uniqueName("tour-lake")),
};

interface Step {
  command: string;
  shown: string[];
}

/** The tour's commands, each with the output lines the README shows under it. */
function steps(): Step[] {
  const out: Step[] = [];
  for (const block of tour.matchAll(/```\n([\s\S]*?)```/g)) {
    for (const line of block[1]!.split("\n")) {
      if (line.startsWith("$ ")) out.push({ command: line.slice(2), shown: [] });
      else if (out.length && line.trim()) out.at(-1)!.shown.push(line);
    }
  }
  return out.filter(
    (s) => s.command.startsWith("stockpipe ") && !/--source (coinbase|alpaca|replay)|^stockpipe (notify|dashboard)/.test(s.command),
  );
}

/** Words as a shell splits them (double and single quotes). */
function words(command: string): string[] {
  return [...command.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

/** A table's rows as cells, without its borders. */
function rows(lines: string[]): string[][] {
  return lines
    .filter((l) => l.includes("│"))
    .map((l) =>
      l
        .split("│")
        .map((c) => c.trim())
        .filter((c, i, all) => c !== "" || (i > 0 && i < all.length - 1)),
    );
}

afterAll(async () => {
  await stores.cleanUp();
});

describe("the tour, as written", () => {
  const tourSteps = steps();

  it("the README's short tour is the tour's own commands", () => {
    const short = readme.slice(readme.indexOf("## A short tour"), readme.indexOf("## What it guarantees"));
    const block = /```sh\n([\s\S]*?)```/.exec(short)![1]!;
    const commands = new Set([...tour.matchAll(/^\$ (stockpipe .*)$/gm)].map((m) => m[1]!.trim()));
    const lines = block.split("\n").filter(Boolean);
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) expect(commands, line).toContain(line.replace(/\s+# .*$/, "").trim());
  });

  it("has the walk from a topic to the stored bars", () => {
    expect(tourSteps.map((s) => words(s.command).slice(0, 2).join(" "))).toEqual([
      "stockpipe topic",
      "stockpipe produce",
      "stockpipe tail",
      "stockpipe schema",
      "stockpipe consume",
      "stockpipe query",
      "stockpipe consume",
      "stockpipe query",
      "stockpipe verify",
      "stockpipe analyze",
      "stockpipe consume",
      "stockpipe query",
      "stockpipe verify",
      "stockpipe backfill",
    ]);
  });

  it("runs every command, and each prints the table the README shows", async () => {
    for (const step of tourSteps) {
      const args = words(step.command)
        .slice(1)
        .map((w) => w.replace(/^quotes(?=$|\.)/, topic));
      const r = await stockpipe(args, { env, timeoutMs: 300_000 });
      expect(r.code, `${step.command}\n${r.stdout}\n${r.stderr}`).toBe(0);
      // Rows in any order: tail prints partitions as they answer, Cassandra returns partitions in token order.
      const sorted = (t: string[][]) => t.map((cells) => cells.join(" │ ")).sort();
      const shown = rows(step.shown);
      if (shown.length) expect(sorted(rows(r.stdout.split("\n"))), step.command).toEqual(sorted(shown));
      // Its summary lines are printed as the README shows them, but for the times and rates that vary from run
      // to run, and the names this test made unique.
      // The names first: a unique suffix may itself end in digits and an "s".
      const vary = (s: string) =>
        s
          .replaceAll(topic, "quotes")
          .replaceAll(env.STOCKPIPE_CASSANDRA_KEYSPACE, "stockpipe")
          .replaceAll(env.STOCKPIPE_S3_PREFIX, "lake")
          .replace(/[\d.,]+(ms|s|\/s)\b/g, "…")
          .replace(/in \d+ transactions?/, "in … transactions")
          .replace(/\([\d.]+k ticks\/s, peak \d+ MB\)/, "(…)");
      const printed = (r.stdout + r.stderr).split("\n").map(vary);
      for (const line of step.shown.filter((l) => /^(✔ | {2}(bars|alerts|late|rejected)\b)/.test(l))) {
        expect(printed, step.command).toContain(vary(line));
      }
    }
  }, 900_000);
});
