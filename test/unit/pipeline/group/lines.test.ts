/**
 * Chunks taken as lines, decoded as a decode thread decodes them (here on this thread: no worker script when
 * running from source; the consume tests run the built threads): the same dead letters, offsets, lines, bars and
 * alerts as the main thread's classification of the same messages, and each tick's event time.
 */
import type { KafkaMessage } from "kafkajs";
import { describe, expect, it } from "vitest";
import { encodeTick } from "../../../../src/model/tick";
import { classifyChunk } from "../../../../src/pipeline/group/chunk";
import { LinePool } from "../../../../src/pipeline/group/linePool";
import { classifyChunkAsLines, decodePacked } from "../../../../src/pipeline/group/lines";
import { ALERT, BAR, message, tick } from "../fakes";

const bar = BAR;
const alert = ALERT;

/** Every case a partition can carry, in one chunk. */
function mixed(): KafkaMessage[] {
  const values: [string | null, Record<string, string>?][] = [
    [encodeTick(tick(0))],
    [JSON.stringify({ ...tick(1), id: "1b5bfa0a-4bd2-5b6c-8c57-0f0c4d8c1a2e" }, null, 2)], // multi-line
    [JSON.stringify({ symbol: "MSFT", ts: "2024-01-02T14:30:00.001Z", price: 5 })], // id derived
    [encodeTick({ ...tick(3), source: "Börse · 東証" })], // multi-byte characters
    ["{not json"],
    [""],
    [null],
    [JSON.stringify({ ...tick(7), color: "red" })],
    [JSON.stringify(tick(8)), { schema: "quote.v2" }],
    ["x".repeat(5000)],
    [JSON.stringify(bar), { schema: "bar.v1" }],
    [JSON.stringify(alert), { schema: "alert.v1" }],
    [JSON.stringify({ ...bar, high: 0.1 }), { schema: "bar.v1" }],
    [encodeTick(tick(13))],
  ];
  return values.map(([v, h], i) => message(i, v, h));
}

const batch = { topic: "t", partition: 5, highWatermark: "20" };
const how = { maxMessageBytes: 4000, endOffset: "15" };
const inProcess = LinePool.decoder(0).decode;

describe("chunks taken as lines", () => {
  it("classifies as the main thread does: the same dead letters, offsets, lines, bars and alerts", async () => {
    const msgs = mixed();
    const reference = classifyChunk(batch, msgs, how);
    const c = await classifyChunkAsLines(inProcess, batch, msgs, how);
    expect(c.ticks).toEqual([]);
    expect(c.tickOffsets).toEqual(reference.tickOffsets);
    expect(c.tickOffsets).toEqual(["0", "1", "2", "3", "13"]);
    expect(c.tickValues).toEqual(reference.tickValues);
    expect(JSON.parse(c.tickValues[3]!).source).toBe("Börse · 東証");
    expect(c.dead.map((d) => [d.message.offset, d.partition, d.reason, d.detail])).toEqual(
      reference.dead.map((d) => [d.message.offset, d.partition, d.reason, d.detail]),
    );
    expect(c.dead.map((d) => d.reason)).toEqual([
      "not JSON",
      "not JSON",
      "null value",
      "unknown field",
      "wrong schema",
      "oversized",
      "invalid bar",
    ]);
    expect(c.bars).toEqual(reference.bars);
    expect(c.alerts).toEqual(reference.alerts);
    expect([c.nextOffset, c.caughtUp, c.messages]).toEqual([reference.nextOffset, reference.caughtUp, msgs]);
  });

  it("gives each tick its event time", async () => {
    const c = await classifyChunkAsLines(inProcess, batch, mixed(), how);
    expect(c.tickMs).toEqual(c.tickValues.map((line) => new Date(JSON.parse(line).ts).getTime()));
    expect(c.tickMs[0]).toBe(Date.UTC(2024, 0, 2, 14, 30, 0, 0));
  });

  it("decodes nothing when every message is dead before parsing, and hands over buffers of its own", async () => {
    const calls: number[] = [];
    const c = await classifyChunkAsLines(
      async (p, packed) => {
        calls.push(p);
        return decodePacked(packed);
      },
      batch,
      [message(0, null), message(1, "{}", { schema: "nope" })],
      how,
    );
    expect(calls).toEqual([]);
    expect(c.dead.map((d) => d.reason)).toEqual(["null value", "wrong schema"]);
    let transferable = true;
    await classifyChunkAsLines(
      async (_p, packed) => {
        // Not a slice of Node's shared pool: the whole ArrayBuffer is these values.
        transferable = packed.bytes.byteOffset === 0 && packed.bytes.buffer.byteLength === packed.bytes.byteLength;
        return decodePacked(packed);
      },
      batch,
      [message(0, encodeTick(tick(0)))],
      how,
    );
    expect(transferable).toBe(true);
  });
});
