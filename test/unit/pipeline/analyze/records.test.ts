import { describe, expect, it } from "vitest";
import { emptyOutputs } from "../../../../src/analytics/partition";
import { decodeCheckpoints } from "../../../../src/pipeline/analyze/checkpoint";
import type { OutputTopics } from "../../../../src/pipeline/analyze/outputs";
import { outputRecords } from "../../../../src/pipeline/analyze/records";
import { ALERT, BAR, message, tick } from "../fakes";

/** Bars and late ticks in the input's partition; alerts and dead letters hashed by key (a topic of another size). */
const topics: OutputTopics = {
  bars: new Map([["1m", "t.bars.1m"]]),
  alerts: "t.alerts",
  late: "t.late",
  dlq: "t.dlq",
  checkpoint: "t.state",
  partitionOf: (topic, key, input) => (topic === "t.alerts" || topic === "t.dlq" ? 100 + key.length : input),
};

const bar = { ...BAR, id: "b1" };
const alert = { ...ALERT, symbol: "MSFT", ts: "2024-01-02T14:30:01.000Z", id: "a1" };

describe("analyze's output records", () => {
  it("carry each output to its topic and partition, with its schema header, and the checkpoint last", () => {
    const out = emptyOutputs();
    out.bars.push(bar);
    out.alerts.push(alert);
    const late = message(12, JSON.stringify(tick(1)));
    out.late.push({ index: 1, watermark: "2024-01-02T14:31:00.000Z", missed: [{ interval: "1m", start: bar.start, end: bar.end }] });
    const bad = message(13, "not json");
    const now = new Date("2024-05-01T00:00:00.000Z");
    const records = outputRecords(
      topics,
      {
        topic: "t",
        partition: 4,
        out,
        dead: [{ message: bad, partition: 4, reason: "not JSON", detail: "Unexpected token" }],
        messages: [message(11, JSON.stringify(tick(0))), late, bad],
        tickOffsets: ["11", "12"],
        changed: { partition: { maxTs: 99 }, symbols: [{ symbol: "AAPL", bars: {}, rules: {} as never }] },
        next: "14",
        generation: "g1",
      },
      now,
    );
    expect(records.map((r) => [r.topic, r.message.partition, String(r.message.key)])).toEqual([
      ["t.bars.1m", 4, "AAPL"],
      ["t.alerts", 104, "MSFT"],
      ["t.late", 4, "AAPL"],
      ["t.dlq", 104, "AAPL"],
      ["t.state", 4, "AAPL"],
      ["t.state", 4, "~partition"],
    ]);
    expect(JSON.parse(String(records[0]!.message.value))).toEqual(bar);
    expect(records[0]!.message.headers).toEqual({ schema: "bar.v1" });
    expect(JSON.parse(String(records[1]!.message.value))).toEqual(alert);
    expect(records[1]!.message.headers).toEqual({ schema: "alert.v1" });
    // The late tick goes out as it came in, with where it was and what it missed.
    expect(records[2]!.message.value).toBe(late.value);
    expect(records[2]!.message.headers).toMatchObject({
      schema: "tick.v1",
      "late-topic": "t",
      "late-partition": "4",
      "late-offset": "12",
      "late-watermark": "2024-01-02T14:31:00.000Z",
      "late-windows": "1m 2024-01-02T14:30:00.000Z/2024-01-02T14:31:00.000Z",
      "late-time": now.toISOString(),
    });
    expect(records[3]!.message.value).toEqual(bad.value);
    // The checkpoint says where the state now is; decoded, it is the state that was taken.
    const cp = decodeCheckpoints(
      records
        .filter((r) => r.topic === "t.state")
        .map((r) => ({ partition: 4, key: String(r.message.key), value: String(r.message.value) })),
    );
    expect(cp.get(4)).toEqual({
      partition: { maxTs: 99, next: "14", generation: "g1" },
      symbols: [{ symbol: "AAPL", bars: {}, rules: {} }],
    });
  });

  it("send only the checkpoint when a chunk changes nothing else", () => {
    const records = outputRecords(topics, {
      topic: "t",
      partition: 0,
      out: emptyOutputs(),
      dead: [],
      messages: [],
      tickOffsets: [],
      changed: { partition: { maxTs: null }, symbols: [] },
      next: "5",
      generation: "g",
    });
    expect(records.map((r) => [r.topic, String(r.message.key)])).toEqual([["t.state", "~partition"]]);
  });
});

describe("checkpoints", () => {
  it("keep the last record of each key, drop deleted keys and symbols of an older generation", () => {
    const head = (next: string, generation: string) => JSON.stringify({ maxTs: 1, next, generation });
    const sym = (symbol: string, g: string) => JSON.stringify({ g, symbol, bars: {}, rules: {} });
    const cps = decodeCheckpoints([
      { partition: 0, key: "~partition", value: head("10", "old") },
      { partition: 0, key: "AAPL", value: sym("AAPL", "old") },
      { partition: 0, key: "MSFT", value: sym("MSFT", "new") },
      { partition: 0, key: "NVDA", value: sym("NVDA", "new") },
      { partition: 0, key: "NVDA", value: null },
      { partition: 0, key: "~partition", value: head("20", "new") },
      { partition: 1, key: "AAPL", value: sym("AAPL", "x") },
      { partition: 2, key: undefined, value: "ignored" },
    ]);
    expect([...cps.keys()]).toEqual([0]);
    expect(cps.get(0)).toEqual({
      partition: { maxTs: 1, next: "20", generation: "new" },
      symbols: [{ symbol: "MSFT", bars: {}, rules: {} }],
    });
  });
});
