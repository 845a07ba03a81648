import kafkajs, { type Kafka } from "kafkajs";
import { describe, expect, it } from "vitest";
import { type ReadFrom, readMessages } from "../../../src/kafka/reader";

const { events } = {
  events: { GROUP_JOIN: "consumer.group_join", END_BATCH_PROCESS: "consumer.end_batch_process", CRASH: "consumer.crash" },
};

/**
 * A Kafka with one topic of two partitions (offsets 0–9 each), whose consumer behaves as kafkajs' does where the
 * reader depends on it: a seek is refused until the consumer has a group; the group is made when it starts, and a
 * failed join drops it, emits a crash and starts again later — with a new group that knows none of the seeks before.
 */
function fakeKafka(failedJoins: number, crash: { retriable: boolean; midRead?: boolean } = { retriable: true }) {
  const log = [0, 1].map((partition) =>
    Array.from({ length: 10 }, (_, i) => ({ partition, offset: String(i), value: Buffer.from(`${partition}:${i}`) })),
  );
  const seen = { joins: 0, crashes: 0 };
  const consumer = () => {
    const listeners = new Map<string, ((e: { payload: Record<string, unknown> }) => void)[]>();
    const emit = (name: string, payload: Record<string, unknown>) => {
      for (const l of listeners.get(name) ?? []) l({ payload });
    };
    let group: { seeks: Map<number, number> } | null = null;
    let stopped = false;
    type EachBatch = (p: { batch: { partition: number; messages: unknown[]; lastOffset(): string } }) => Promise<void>;
    const start = async (eachBatch: EachBatch) => {
      if (stopped) return;
      group = { seeks: new Map() };
      if (seen.joins++ < failedJoins) {
        group = null;
        seen.crashes++;
        const error = new kafkajs.KafkaJSError("The group coordinator is not available", { retriable: crash.retriable });
        emit(events.CRASH, { error, restart: crash.retriable });
        if (crash.retriable) setTimeout(() => void start(eachBatch), 5);
        return;
      }
      emit(events.GROUP_JOIN, {});
      const mine = group;
      // Without a seek a partition starts at the beginning (fromBeginning); fetches bring four messages.
      const at = [0, 1].map((p) => mine.seeks.get(p) ?? 0);
      const fetchLoop = async () => {
        while (!stopped && group === mine) {
          for (const p of [0, 1]) {
            const messages = log[p]?.slice(at[p], (at[p] ?? 0) + 4) ?? [];
            if (!messages.length) continue;
            at[p] = (at[p] ?? 0) + messages.length;
            await eachBatch({ batch: { partition: p, messages, lastOffset: () => String(messages[messages.length - 1]?.offset) } });
            if (crash.midRead && seen.crashes === 0) {
              // The connection to the coordinator is lost after the first fetch: a new group, from the beginning.
              group = null;
              seen.crashes++;
              emit(events.CRASH, { error: new kafkajs.KafkaJSError("Connection closed", { retriable: true }), restart: true });
              setTimeout(() => void start(eachBatch), 5);
              return;
            }
          }
          await new Promise((r) => setTimeout(r, 1));
        }
      };
      void fetchLoop();
    };
    return {
      events,
      on: (name: string, l: (e: { payload: Record<string, unknown> }) => void) => {
        listeners.set(name, [...(listeners.get(name) ?? []), l]);
      },
      connect: async () => {},
      subscribe: async () => {},
      run: async (o: { eachBatch: EachBatch }) => start(o.eachBatch),
      seek: ({ partition, offset }: { partition: number; offset: string }) => {
        if (!group) throw new kafkajs.KafkaJSNonRetriableError("Consumer group was not initialized, consumer#run must be called first");
        group.seeks.set(partition, Number(offset));
      },
      disconnect: async () => {
        stopped = true;
      },
    };
  };
  const admin = () => ({
    connect: async () => {},
    disconnect: async () => {},
    listTopics: async () => ["t"],
    fetchTopicOffsets: async () => [0, 1].map((partition) => ({ partition, offset: "10", high: "10", low: "0" })),
    fetchTopicOffsetsByTimestamp: async () => [],
    deleteGroups: async () => [],
  });
  return { kafka: { consumer, admin } as unknown as Kafka, seen };
}

async function read(kafka: Kafka, from: ReadFrom): Promise<string[]> {
  const out: string[] = [];
  for await (const b of readMessages(kafka, { topic: "t", from, follow: false, signal: new AbortController().signal }))
    for (const m of b.messages) out.push(String(m.value));
  return out.sort();
}

const lastThree = ["0:7", "0:8", "0:9", "1:7", "1:8", "1:9"];

describe("readMessages", () => {
  it("reads from the positions asked for", async () => {
    const { kafka, seen } = fakeKafka(0);
    expect(await read(kafka, { last: 3 })).toEqual(lastThree);
    expect(seen).toEqual({ joins: 1, crashes: 0 });
  });

  it("goes on from the same positions when the client could not join at first and restarts (a broker just back)", async () => {
    const { kafka, seen } = fakeKafka(2);
    expect(await read(kafka, { last: 3 })).toEqual(lastThree);
    expect(seen).toEqual({ joins: 3, crashes: 2 });
  });

  it("goes on after the last message it had, once, when the client restarts mid-read", async () => {
    const { kafka, seen } = fakeKafka(0, { retriable: true, midRead: true });
    const all = Array.from({ length: 10 }, (_, i) => [`0:${i}`, `1:${i}`])
      .flat()
      .sort();
    expect(await read(kafka, "earliest")).toEqual(all);
    expect(seen).toEqual({ joins: 2, crashes: 1 });
  });

  it("fails with the client's error when it does not restart", async () => {
    const { kafka } = fakeKafka(1, { retriable: false });
    await expect(read(kafka, "earliest")).rejects.toThrow(/coordinator is not available/);
  });

  it("gives up after a few restarts", async () => {
    const { kafka, seen } = fakeKafka(100);
    await expect(read(kafka, "earliest")).rejects.toThrow(/coordinator is not available/);
    expect(seen.crashes).toBe(6);
  });
});
