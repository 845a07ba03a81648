import type { Kafka } from "kafkajs";
import { describe, expect, it } from "vitest";
import { FencedError, PartitionTransactor, TransactionFailed } from "../../../src/kafka/transactions";

/** A producer whose transactions record what was sent, and fail where told. */
function fakeKafka(fail: { send?: Error; commit?: Error } = {}) {
  const log: string[] = [];
  const requests: { topic: string; count: number }[][] = [];
  let active = false;
  const transaction = async () => {
    active = true;
    log.push("begin");
    return {
      sendBatch: async ({ topicMessages }: { topicMessages: { topic: string; messages: { partition: number }[] }[] }) => {
        if (fail.send) throw fail.send;
        requests.push(topicMessages.map((t) => ({ topic: t.topic, count: t.messages.length })));
        return topicMessages.flatMap((t) =>
          [...new Set(t.messages.map((m) => m.partition))].map((partition) => ({ topicName: t.topic, partition, errorCode: 0 })),
        );
      },
      sendOffsets: async ({ topics }: { topics: { partitions: { offset: string }[] }[] }) =>
        void log.push(`offset ${topics[0]!.partitions[0]!.offset}`),
      commit: async () => {
        if (fail.commit) throw fail.commit;
        active = false;
        log.push("commit");
      },
      abort: async () => {
        active = false;
        log.push("abort");
      },
      isActive: () => active,
    };
  };
  const kafka = { producer: () => ({ connect: async () => {}, disconnect: async () => {}, transaction }) } as unknown as Kafka;
  return { kafka, log, requests };
}

const record = (topic: string, bytes: number) => ({ topic, message: { key: "K", value: "x".repeat(bytes), partition: 0 } });

describe("a partition's transactions", () => {
  it("fence on opening (an empty transaction aborted), then send the records and the offset and commit", async () => {
    const { kafka, log, requests } = fakeKafka();
    const tx = await PartitionTransactor.open(kafka, "id", 2, 60_000);
    expect(await tx.commit([record("bars", 10), record("alerts", 10)], { group: "g", topic: "t", next: "7" }, () => false)).toBe(true);
    expect(log).toEqual(["begin", "abort", "begin", "offset 7", "commit"]);
    expect(requests).toEqual([
      [
        { topic: "bars", count: 1 },
        { topic: "alerts", count: 1 },
      ],
    ]);
  });

  it("split records into requests under the request size limit", async () => {
    const { kafka, requests } = fakeKafka();
    const tx = await PartitionTransactor.open(kafka, "id", 0, 60_000);
    await tx.commit([record("a", 300_000), record("a", 300_000), record("b", 300_000)], { group: "g", topic: "t", next: "1" }, () => false);
    expect(requests).toEqual([[{ topic: "a", count: 1 }], [{ topic: "a", count: 1 }], [{ topic: "b", count: 1 }]]);
  });

  it("abort instead of committing when told to stop", async () => {
    const { kafka, log } = fakeKafka();
    const tx = await PartitionTransactor.open(kafka, "id", 0, 60_000);
    expect(await tx.commit([record("a", 1)], { group: "g", topic: "t", next: "1" }, () => true)).toBe(false);
    expect(log.slice(2)).toEqual(["begin", "offset 1", "abort"]);
  });

  it("say whether a failure came before the commit (aborted, safe to send again) or during it", async () => {
    const before = fakeKafka({ send: new Error("broker went away") });
    const tx = await PartitionTransactor.open(before.kafka, "id", 0, 60_000);
    const e1 = await tx.commit([record("a", 1)], { group: "g", topic: "t", next: "1" }, () => false).catch((e) => e);
    expect(e1).toBeInstanceOf(TransactionFailed);
    expect((e1 as TransactionFailed).beforeCommit).toBe(true);
    expect(before.log.at(-1)).toBe("abort");

    const during = fakeKafka({ commit: new Error("request timed out") });
    const tx2 = await PartitionTransactor.open(during.kafka, "id", 0, 60_000);
    const e2 = await tx2.commit([record("a", 1)], { group: "g", topic: "t", next: "1" }, () => false).catch((e) => e);
    expect((e2 as TransactionFailed).beforeCommit).toBe(false);
  });

  it("tell a fenced producer apart: another process owns the partition", async () => {
    const fenced = Object.assign(new Error("fenced"), { name: "KafkaJSProtocolError", type: "PRODUCER_FENCED" });
    const { kafka } = fakeKafka({ send: fenced });
    const tx = await PartitionTransactor.open(kafka, "id", 5, 60_000);
    const e = await tx.commit([record("a", 1)], { group: "g", topic: "t", next: "1" }, () => false).catch((err) => err);
    expect(e).toBeInstanceOf(FencedError);
    expect((e as FencedError).partition).toBe(5);
  });
});
