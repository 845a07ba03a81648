import type { Kafka } from "kafkajs";
import { describe, expect, it } from "vitest";
import { StatusPublisher } from "../../../src/kafka/status";

interface Sent {
  key: string;
  value: Record<string, unknown>;
}

/** A Kafka whose status topic exists and whose producer records what it is sent; sends wait for `release` when held. */
function fakeKafka() {
  const sent: Sent[][] = [];
  const state = { hold: false, fail: false, disconnected: false, releases: [] as (() => void)[] };
  const admin = {
    connect: async () => {},
    disconnect: async () => {},
    listTopics: async () => ["t.status"],
    fetchTopicMetadata: async () => ({ topics: [{ name: "t.status", partitions: [{ partitionId: 0, leader: 1 }] }] }),
  };
  const producer = {
    connect: async () => {},
    disconnect: async () => {
      state.disconnected = true;
    },
    send: async ({ messages }: { messages: { key: string; value: string }[] }) => {
      if (state.hold) await new Promise<void>((r) => state.releases.push(r));
      if (state.fail) throw new Error("broker away");
      sent.push(messages.map((m) => ({ key: m.key, value: JSON.parse(m.value) })));
    },
  };
  const kafka = { admin: () => admin, producer: () => producer } as unknown as Kafka;
  const release = () => {
    for (const r of state.releases.splice(0)) r();
  };
  return { kafka, sent, state, release };
}

const entry = (key: string, n: number) => ({ key, status: { name: key, n } });
const values = (batch: Sent[] | undefined) => (batch ?? []).map((m) => ({ key: m.key, n: m.value.n }));

describe("StatusPublisher", () => {
  it("writes a part's status when it changed, with the time, at most every everyMs unless asked now", async () => {
    const { kafka, sent } = fakeKafka();
    const p = new StatusPublisher(kafka, "t.status", 60_000);
    await p.open();
    await p.publish([entry("a", 1), entry("b", 1)]);
    expect(values(sent[0])).toEqual([
      { key: "a", n: 1 },
      { key: "b", n: 1 },
    ]);
    expect(Date.parse(String(sent[0]?.[0]?.value.at))).toBeGreaterThan(Date.now() - 60_000);
    // Within everyMs: not written, even changed.
    await p.publish([entry("a", 2), entry("b", 1)]);
    expect(sent).toHaveLength(1);
    // Now: only what changed.
    await p.publish([entry("a", 2), entry("b", 1)], true);
    expect(values(sent[1])).toEqual([{ key: "a", n: 2 }]);
    // Nothing changed: nothing written.
    await p.publish([entry("a", 2), entry("b", 1)], true);
    expect(sent).toHaveLength(2);
  });

  it("writes a status asked for now while a write is under way right after it", async () => {
    const { kafka, sent, state, release } = fakeKafka();
    const p = new StatusPublisher(kafka, "t.status", 60_000);
    await p.open();
    state.hold = true;
    const first = p.publish([entry("a", 1)], true);
    void p.publish([entry("a", 2)], true);
    state.hold = false;
    release();
    await first;
    await new Promise((r) => setTimeout(r, 10));
    expect(sent.map(values)).toEqual([[{ key: "a", n: 1 }], [{ key: "a", n: 2 }]]);
  });

  it("writes a status that could not be written again at the next chance, changed or not", async () => {
    const { kafka, sent, state } = fakeKafka();
    const p = new StatusPublisher(kafka, "t.status", 60_000);
    await p.open();
    state.fail = true;
    await p.publish([entry("a", 1)], true);
    expect(sent).toHaveLength(0);
    state.fail = false;
    await p.publish([entry("a", 1)], true);
    expect(sent.map(values)).toEqual([[{ key: "a", n: 1 }]]);
  });

  it("on close, writes what changed and waits for every write before it disconnects", async () => {
    const { kafka, sent, state, release } = fakeKafka();
    const p = new StatusPublisher(kafka, "t.status", 60_000);
    await p.open();
    state.hold = true;
    void p.publish([entry("a", 1)], true);
    const closed = p.close([entry("a", 3)]);
    await new Promise((r) => setTimeout(r, 10));
    expect(state.disconnected).toBe(false);
    state.hold = false;
    release();
    await closed;
    expect(sent.map(values)).toEqual([[{ key: "a", n: 1 }], [{ key: "a", n: 3 }]]);
    expect(state.disconnected).toBe(true);
  });
});
