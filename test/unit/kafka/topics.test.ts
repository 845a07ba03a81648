import kafkajs, { type Admin } from "kafkajs";
import { describe, expect, it } from "vitest";
import { ensureTopic } from "../../../src/kafka/topics";

/** A protocol error as kafkajs makes one from a broker's answer. */
const protocolError = (type: string, message: string, retriable: boolean) =>
  Object.assign(new kafkajs.KafkaJSProtocolError(message), { type, retriable });
const notLeader = () => protocolError("NOT_LEADER_FOR_PARTITION", "This server is not the leader for that topic-partition", true);

/** An admin whose new topic has leaders in its metadata at once, and whose leaders answer reads after `refusals` tries. */
function fakeAdmin(refusals: number, refusal: () => Error = notLeader) {
  const calls = { created: 0, reads: 0 };
  const admin = {
    listTopics: async () => [],
    createTopics: async () => {
      calls.created++;
      return true;
    },
    fetchTopicMetadata: async () => ({
      topics: [
        {
          name: "t",
          partitions: [
            { partitionId: 0, leader: 1 },
            { partitionId: 1, leader: 1 },
          ],
        },
      ],
    }),
    fetchTopicOffsets: async () => {
      calls.reads++;
      if (calls.reads <= refusals) throw refusal();
      return [
        { partition: 0, offset: "0", high: "0", low: "0" },
        { partition: 1, offset: "0", high: "0", low: "0" },
      ];
    },
  };
  return { admin: admin as unknown as Admin, calls };
}

describe("ensureTopic", () => {
  it("returns once every partition's leader answers a read, not when the metadata first names it", async () => {
    const { admin, calls } = fakeAdmin(3);
    expect(await ensureTopic(admin, { name: "t", partitions: 2 })).toBe(true);
    expect(calls).toEqual({ created: 1, reads: 4 });
  });

  it("gives up on an error that waiting cannot cure", async () => {
    const { admin, calls } = fakeAdmin(1, () => protocolError("TOPIC_AUTHORIZATION_FAILED", "Not authorized to access topics", false));
    await expect(ensureTopic(admin, { name: "t", partitions: 2 })).rejects.toThrow(/Not authorized/);
    expect(calls.reads).toBe(1);
  });
});
