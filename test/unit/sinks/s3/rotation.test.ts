import { describe, expect, it } from "vitest";
import type { Alert } from "../../../../src/model/alert";
import type { Bar } from "../../../../src/model/bar";
import type { Tick } from "../../../../src/model/tick";
import { PartitionFiles } from "../../../../src/sinks/s3/rotation";
import type { SinkBatch } from "../../../../src/sinks/types";

const DAY = 86_400_000;
const BASE = Date.UTC(2024, 0, 2, 12);

/** Ticks at `offsets`, each on day `days[i]` after BASE (0 when not given). */
function batch(offsets: number[], o: { days?: number[]; next?: number; caughtUp?: boolean } = {}): SinkBatch {
  const ticks: Tick[] = offsets.map((off, i) => ({
    symbol: "AAPL",
    ts: new Date(BASE + (o.days?.[i] ?? 0) * DAY + off).toISOString(),
    price: 1 + off,
  }));
  return {
    topic: "ticks",
    partition: 3,
    ticks,
    offsets: offsets.map(String),
    values: ticks.map((t) => JSON.stringify(t)),
    bars: [],
    alerts: [],
    nextOffset: String(o.next ?? offsets[offsets.length - 1]! + 1),
    caughtUp: o.caughtUp ?? false,
  };
}

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const files = (limits: Partial<{ flushRows: number; flushBytes: number; flushIdleMs: number }> = {}) =>
  new PartitionFiles(3, { flushRows: 3, flushBytes: 1_000_000, flushIdleMs: 1000, ...limits }, dayOf);

describe("lake file rotation", () => {
  it("cuts a file every flushRows rows, at the row where it fills, whatever the batches", () => {
    const f = files();
    const cut = [...f.append(batch([0, 1]), 0), ...f.append(batch([2, 3, 4, 5, 6]), 0)];
    expect(cut.map((x) => [x.startOffset, x.lines.length])).toEqual([
      ["0", 3],
      ["3", 3],
    ]);
    expect(cut[0]!.lines.map((l) => JSON.parse(l).price)).toEqual([1, 2, 3]);
    // The same rows in other batches give the same files.
    const g = files();
    const again = [...g.append(batch([0, 1, 2, 3]), 0), ...g.append(batch([4, 5, 6]), 0)];
    expect(again.map((x) => x.lines)).toEqual(cut.map((x) => x.lines));
  });

  it("cuts at flushBytes and when the trading day changes", () => {
    const byDay = files({ flushRows: 100 }).append(batch([0, 1, 2, 3], { days: [0, 0, 1, 2] }), 0);
    expect(byDay.map((x) => [x.dt, x.startOffset, x.lines.length])).toEqual([
      ["2024-01-02", "0", 2],
      ["2024-01-03", "2", 1],
    ]);
    const bySize = files({ flushRows: 100, flushBytes: 150 }).append(batch([0, 1, 2, 3, 4, 5, 6]), 0);
    expect(bySize.every((x) => x.bytes >= 150)).toBe(true);
    expect(bySize.map((x) => x.startOffset)).toEqual(["0", "3"]);
  });

  it("reports durable only up to the oldest file not yet in S3, then the buffer, then the position", () => {
    const f = files();
    expect(f.durableOffset()).toBeUndefined();
    const [a, b] = f.append(batch([10, 11, 12, 13, 14, 15, 16], { next: 18 }), 0);
    expect(f.durableOffset()).toBe("10");
    f.landed(b!);
    expect(f.durableOffset()).toBe("10");
    f.landed(a!);
    expect(f.durableOffset()).toBe("16");
    f.landed(f.cut()!);
    // Offset 17 was dead-lettered: the position moves past it.
    expect(f.durableOffset()).toBe("18");
  });

  it("skips rows it already holds when a rejoin replays them", () => {
    const f = files({ flushRows: 10 });
    f.append(batch([0, 1, 2]), 0);
    f.append(batch([1, 2, 3, 4]), 0);
    expect(f.cut()!.lines.map((l) => JSON.parse(l).price)).toEqual([1, 2, 3, 4, 5]);
  });

  it("cuts by the clock only a partition that was caught up and has been idle long enough", () => {
    const f = files({ flushRows: 10 });
    f.append(batch([0, 1], { caughtUp: false }), 1000);
    expect(f.cutIfIdle(5000)).toBeUndefined();
    f.append(batch([2], { caughtUp: true }), 6000);
    expect(f.cutIfIdle(6500)).toBeUndefined();
    expect(f.cutIfIdle(7000)!.lines).toHaveLength(3);
    expect(f.cutIfIdle(9000)).toBeUndefined();
  });

  it("cuts the same files from ticks handed over as lines and event times only", () => {
    const whole = batch([0, 1, 2, 3, 4, 5], { days: [0, 0, 0, 1, 1, 2] });
    const asLines: SinkBatch = { ...whole, ticks: [], ms: whole.ticks.map((t) => new Date(t.ts).getTime()) };
    const shape = (cut: ReturnType<PartitionFiles["append"]>) => cut.map((x) => [x.dt, x.startOffset, x.lines]);
    expect(shape(files().append(asLines, 0))).toEqual(shape(files().append(whole, 0)));
    expect(shape(files().append(asLines, 0)).map(([dt, start]) => [dt, start])).toEqual([
      ["2024-01-02", "0"],
      ["2024-01-03", "3"],
    ]);
    // With a bar among them, in offset order.
    const bar = { symbol: "AAPL", interval: "1m", start: new Date(BASE + 3).toISOString() } as Bar;
    const withBar = { ...asLines, bars: [{ record: bar, offset: "9", value: JSON.stringify(bar) }], nextOffset: "10" };
    const f = files({ flushRows: 100 });
    const cut = [...f.append(withBar, 0), f.cut()!];
    expect(cut.map((x) => [x.kind, x.dt, x.startOffset, x.lines.length])).toEqual([
      ["tick", "2024-01-02", "0", 3],
      ["tick", "2024-01-03", "3", 2],
      ["tick", "2024-01-04", "5", 1],
      ["bar", "2024-01-02", "9", 1],
    ]);
  });

  it("keeps each kind, and each interval of bars, in files of its own, in offset order", () => {
    const f = files({ flushRows: 100 });
    const bar = (interval: string, offset: number) => {
      const record = { symbol: "AAPL", interval, start: new Date(BASE + offset).toISOString() } as Bar;
      return { record, offset: String(offset), value: JSON.stringify(record) };
    };
    const alert = (offset: number) => {
      const record = { symbol: "AAPL", ts: new Date(BASE + offset).toISOString() } as Alert;
      return { record, offset: String(offset), value: JSON.stringify(record) };
    };
    const mixed: SinkBatch = { ...batch([]), bars: [bar("1m", 10), bar("1m", 11), bar("5m", 12)], alerts: [alert(13)], nextOffset: "14" };
    const cut = f.append(mixed, 0);
    cut.push(f.cut()!);
    expect(cut.map((x) => [x.kind, x.folder, x.startOffset, x.lines.length])).toEqual([
      ["bar", "bars/interval=1m", "10", 2],
      ["bar", "bars/interval=5m", "12", 1],
      ["alert", "alerts", "13", 1],
    ]);
  });
});
