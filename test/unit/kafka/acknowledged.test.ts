import type { Message, RecordMetadata } from "kafkajs";
import { describe, expect, it } from "vitest";
import { sendAcknowledged, type TopicMessages } from "../../../src/kafka/acknowledged";

const msg = (partition: number, value: string): Message => ({ partition, value });
const answer = (topicName: string, partition: number): RecordMetadata => ({ topicName, partition, errorCode: 0 });

/** A send that answers for the partitions it is told to, as kafkajs does when it skips a moved leader's. */
function flakySend(skipFirstTime: Set<string>) {
  const calls: TopicMessages[][] = [];
  const send = async (batch: TopicMessages[]): Promise<RecordMetadata[]> => {
    calls.push(batch);
    const out: RecordMetadata[] = [];
    for (const { topic, messages } of batch) {
      for (const p of new Set(messages.map((m) => m.partition!))) {
        if (calls.length === 1 && skipFirstTime.has(`${topic}/${p}`)) continue;
        out.push(answer(topic, p));
      }
    }
    return out;
  };
  return { send, calls };
}

describe("sendAcknowledged", () => {
  it("sends again, in order, exactly the messages of partitions missing from the answer", async () => {
    const { send, calls } = flakySend(new Set(["t/1", "u/0"]));
    const batch = [
      { topic: "t", messages: [msg(0, "a"), msg(1, "b"), msg(2, "c"), msg(1, "d")] },
      { topic: "u", messages: [msg(0, "e"), msg(1, "f")] },
    ];
    const answers = await sendAcknowledged(send, batch);
    expect(calls).toHaveLength(2);
    expect(calls[1]).toEqual([
      { topic: "t", messages: [msg(1, "b"), msg(1, "d")] },
      { topic: "u", messages: [msg(0, "e")] },
    ]);
    expect(answers.map((a) => `${a.topicName}/${a.partition}`).sort()).toEqual(["t/0", "t/1", "t/2", "u/0", "u/1"]);
  });

  it("sends once when every partition is answered", async () => {
    const { send, calls } = flakySend(new Set());
    await sendAcknowledged(send, [{ topic: "t", messages: [msg(0, "a"), msg(3, "b")] }]);
    expect(calls).toHaveLength(1);
  });

  it("gives up with a retriable error after the attempts, naming the partitions", async () => {
    const send = async () => [] as RecordMetadata[];
    const err = await sendAcknowledged(send, [{ topic: "t", messages: [msg(2, "a")] }], { acks: -1, attempts: 3 }).catch((e) => e);
    expect(err.message).toBe("Kafka did not acknowledge partitions t/2 after 3 sends");
    expect(err.retriable).toBe(true);
  });

  it("with acks 0 there is nothing to check: one send", async () => {
    let calls = 0;
    await sendAcknowledged(
      async () => {
        calls++;
        return [];
      },
      [{ topic: "t", messages: [msg(0, "a")] }],
      { acks: 0 },
    );
    expect(calls).toBe(1);
  });

  it("refuses a message without a partition (its acknowledgement could not be checked)", async () => {
    await expect(sendAcknowledged(async () => [], [{ topic: "t", messages: [{ value: "x" }] }])).rejects.toThrow(/has no partition/);
  });
});
