/**
 * The output topics of an analysis and where each record goes in them. An output topic with as many partitions
 * as the input gets each record in its input partition: a symbol stays in one partition downstream too, and no
 * record is hashed again. Any other output topic is partitioned by key.
 */
import type { Admin } from "kafkajs";
import { RuntimeError } from "../../errors";
import { dlqTopic } from "../../kafka/dlq";
import { keyPartitioner } from "../../kafka/partitioner";
import { ensureTopic, partitionCount } from "../../kafka/topics";
import { checkpointTopic, ensureCheckpointTopic } from "./checkpoint";

export interface OutputTopicNames {
  /** Interval name → topic. */
  bars: Map<string, string>;
  alerts: string;
  late: string;
  dlq: string;
  checkpoint: string;
}

export interface OutputTopics extends OutputTopicNames {
  /** The partition of `topic` a record with `key` from input partition `input` goes to. */
  partitionOf(topic: string, key: string, input: number): number;
}

export function outputTopicNames(
  input: string,
  group: string,
  names: Pick<OutputTopicNames, "bars" | "alerts" | "late">,
): OutputTopicNames {
  return { ...names, dlq: dlqTopic(input), checkpoint: checkpointTopic(input, group) };
}

/** Creates the output topics that are missing and learns how records are partitioned in each. */
export async function openOutputTopics(admin: Admin, input: string, partitions: number, names: OutputTopicNames): Promise<OutputTopics> {
  const outputs = [...names.bars.values(), names.alerts, names.late, names.dlq];
  for (const name of outputs) await ensureTopic(admin, { name, partitions });
  await ensureCheckpointTopic(admin, names.checkpoint, partitions);
  const counts = new Map<string, number>();
  for (const t of [...outputs, names.checkpoint]) counts.set(t, await partitionCount(admin, t));
  const byKey = new Map<string, (key: string) => number>();
  for (const name of outputs) if (counts.get(name) !== partitions) byKey.set(name, keyPartitioner(counts.get(name) ?? 1));
  if ((counts.get(names.checkpoint) ?? 0) < partitions)
    throw new RuntimeError(
      `the analysis state topic ${names.checkpoint} has ${counts.get(names.checkpoint)} partitions, fewer than ${input}'s ${partitions}`,
      { hint: `the input topic grew: delete ${names.checkpoint} (the state starts over) or analyze with a new group` },
    );
  return {
    ...names,
    partitionOf(topic, key, inputPartition) {
      const hash = byKey.get(topic);
      return hash ? hash(key) : inputPartition;
    },
  };
}
