import { describe, expect, it } from "vitest";
import type { Digest } from "../../../src/verify/digest";
import { batches, type Sides, verifyStreaming } from "../../../src/verify/plan";
import type { Visit } from "../../../src/verify/readers";
import { fingerprint, type Seen } from "../../../src/verify/reconcile";

type Rec = Seen & { kind: "tick" | "bar" | "alert"; place: number };

const SYMBOLS = ["AAPL", "MSFT", "TSLA", "NVDA"];
const DAYS = ["2024-01-02", "2024-01-03", "2024-01-04"];

/** 4 symbols × 3 days × 50 ticks, each symbol in one of 3 partitions, and one alert a day for AAPL. */
function topicRecords(): Rec[] {
  const out: Rec[] = [];
  for (const [i, symbol] of SYMBOLS.entries())
    for (const day of DAYS)
      for (let n = 0; n < 50; n++)
        out.push({
          kind: "tick",
          symbol,
          day,
          id: `${symbol}-${day}-${n}`,
          fingerprint: fingerprint(`${day}T15:${n}`, 100 + n, n),
          place: i % 3,
        });
  for (const day of DAYS) out.push({ kind: "alert", symbol: "AAPL", day, id: `alert-${day}`, fingerprint: `${day}|priceMove|4`, place: 0 });
  return out;
}

/** Sides over arrays, narrowing as the real readers do, and recording what each read was asked for. */
function sidesOver(topic: Rec[], sink: Rec[], sampled: ("tick" | "bar" | "alert")[] = ["tick"]) {
  const calls: { topicPartitions: (number[] | undefined)[]; sinkTargets: (string[] | undefined)[]; sinkKinds: string[] } = {
    topicPartitions: [],
    sinkTargets: [],
    sinkKinds: [],
  };
  const sides: Sides = {
    // By default the topic's last records are ticks: the alerts further back are found by the first pass.
    async sample() {
      return { kinds: new Set(sampled), intervals: new Set<string>() };
    },
    async topic(visit: Visit, partitions?: number[]) {
      calls.topicPartitions.push(partitions);
      for (const r of topic) if (!partitions || partitions.includes(r.place)) visit(r.kind, r, r.place);
    },
    async sink(_sink, wanted, visit: Visit, targets?: Digest[]) {
      calls.sinkTargets.push(targets?.map((d) => `${d.kind} ${d.symbol} ${d.day}`));
      calls.sinkKinds.push([...wanted.kinds].join(","));
      const wantedKeys = targets && new Set(targets.map((d) => `${d.kind} ${d.symbol} ${d.day}`));
      for (const r of sink)
        if (wanted.kinds.has(r.kind) && (!wantedKeys || wantedKeys.has(`${r.kind} ${r.symbol} ${r.day}`))) visit(r.kind, r, r.place);
    },
  };
  return { sides, calls };
}

const mismatches = (
  checks: {
    checks: {
      symbol: string;
      day: string;
      missing: number;
      duplicated: number;
      differing: number;
      extra: number;
      kafka: number;
      stored: number;
    }[];
  }[],
) => checks.flatMap((k) => k.checks.filter((c) => c.missing + c.duplicated + c.differing + c.extra > 0));

describe("verify in bounded memory", () => {
  it("finds a store identical to the topic clean from the digests alone, reading each side once", async () => {
    const topic = topicRecords();
    const { sides, calls } = sidesOver(topic, [...topic].reverse());
    const { results, records } = await verifyStreaming(sides, ["cassandra"], { budget: 40 });
    expect(records).toBe(603);
    expect(mismatches(results)).toEqual([]);
    const ticks = results.find((r) => r.kind === "tick")!.checks;
    expect(ticks).toHaveLength(12);
    expect(ticks.every((c) => c.kafka === 50 && c.stored === 50)).toBe(true);
    expect(results.find((r) => r.kind === "alert")!.checks.map((c) => [c.day, c.kafka, c.stored])).toEqual(DAYS.map((d) => [d, 1, 1]));
    expect(calls.topicPartitions).toEqual([undefined]);
    // The store read for the ticks the sample found, then for the alerts the topic also holds.
    expect(calls.sinkTargets).toEqual([undefined, undefined]);
    expect(calls.sinkKinds).toEqual(["tick", "alert"]);
  });

  it("reads a store only once the topic's kinds are known when its last records told nothing (a transactional topic's markers)", async () => {
    const topic = topicRecords();
    const { sides, calls } = sidesOver(topic, [...topic], []);
    const { results } = await verifyStreaming(sides, ["cassandra"], { budget: 1000 });
    expect(mismatches(results)).toEqual([]);
    expect(calls.sinkKinds).toEqual(["tick,alert"]);
    expect(results.map((r) => [r.kind, r.checks.reduce((n, c) => n + c.stored, 0)])).toEqual([
      ["tick", 600],
      ["alert", 3],
    ]);
  });

  it("names exactly the planted differences, looking again only at their symbol-days and partitions", async () => {
    const topic = topicRecords();
    const sink = topic.map((r) => ({ ...r }));
    // A deleted row, a changed price, a row written twice, a tick of another id, a whole symbol-day gone, and a
    // symbol-day the topic never carried.
    sink.splice(
      sink.findIndex((r) => r.id === "AAPL-2024-01-02-7"),
      1,
    );
    sink.find((r) => r.id === "MSFT-2024-01-03-9")!.fingerprint = fingerprint("2024-01-03T15:9", 999, 9);
    sink.push({ ...sink.find((r) => r.id === "NVDA-2024-01-04-3")! });
    sink.push({ kind: "tick", symbol: "NVDA", day: "2024-01-04", id: "stray", fingerprint: "x", place: 0 });
    const kept = sink.filter((r) => !(r.symbol === "TSLA" && r.day === "2024-01-02" && r.kind === "tick"));
    kept.push({ kind: "tick", symbol: "HYC", day: "2024-01-02", id: "h1", fingerprint: "h", place: 0 });
    const { sides, calls } = sidesOver(topic, kept);
    const { results } = await verifyStreaming(sides, ["s3"], { budget: 1000 });
    const row = (
      symbol: string,
      day: string,
      kafka: number,
      stored: number,
      m: Partial<Record<"missing" | "duplicated" | "differing" | "extra", number>>,
    ) => ({
      symbol,
      day,
      kafka,
      stored,
      missing: 0,
      duplicated: 0,
      differing: 0,
      extra: 0,
      ...m,
    });
    expect(mismatches(results)).toEqual([
      row("AAPL", "2024-01-02", 50, 49, { missing: 1 }),
      row("HYC", "2024-01-02", 0, 1, { extra: 1 }),
      row("MSFT", "2024-01-03", 50, 50, { differing: 1 }),
      row("NVDA", "2024-01-04", 50, 52, { duplicated: 1, extra: 1 }),
      row("TSLA", "2024-01-02", 50, 0, { missing: 50 }),
    ]);
    // Settled by the digests: the symbol-day only one side has. Looked at again: the three that differ, in one
    // batch, reading only the partitions they were in.
    expect(calls.sinkTargets[2]!.sort()).toEqual(["tick AAPL 2024-01-02", "tick MSFT 2024-01-03", "tick NVDA 2024-01-04"]);
    expect(calls.topicPartitions).toEqual([undefined, [0, 1]]);
  });

  it("looks at a symbol-day larger than the budget in slices of its ids, finding the same", async () => {
    const topic = topicRecords();
    const sink = topic.filter((r) => r.id !== "AAPL-2024-01-02-7" && r.id !== "AAPL-2024-01-02-31");
    sink.push({ ...topic.find((r) => r.id === "AAPL-2024-01-02-12")! });
    const { sides, calls } = sidesOver(topic, sink);
    const { results } = await verifyStreaming(sides, ["cassandra"], { budget: 25 });
    expect(mismatches(results)).toEqual([
      { symbol: "AAPL", day: "2024-01-02", kafka: 50, stored: 49, missing: 2, duplicated: 1, differing: 0, extra: 0 },
    ]);
    // 100 records of both sides in slices of at most 25: four second looks.
    expect(calls.topicPartitions).toHaveLength(5);
  });

  it("cuts the symbol-days to look at again into batches within the budget", () => {
    const sizes: Record<string, number> = { a: 10, b: 30, c: 95, d: 5 };
    const cut = batches(Object.keys(sizes), (k) => sizes[k]!, 40);
    expect(cut.map((b) => b.map((p) => `${p.key}${p.slice}/${p.slices}:${p.size}`))).toEqual([
      ["a0/1:10", "b0/1:30"],
      ["c0/3:32"],
      ["c1/3:32"],
      ["c2/3:32", "d0/1:5"],
    ]);
    for (const b of cut) expect(b.reduce((n, p) => n + p.size, 0)).toBeLessThanOrEqual(40);
  });
});
