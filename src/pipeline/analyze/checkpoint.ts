/**
 * The analyzer's checkpoint: a compacted topic with one partition per input partition. In every transaction the
 * partition's record (`~partition`: next input offset, largest event time, generation) and the record of every
 * symbol it changed (open bars, rule state) go out with the outputs and the input offset, so the checkpoint and
 * the committed offset always agree. A restart reads the checkpoint back instead of replaying the ticks behind
 * the open windows — seconds, whatever the largest interval.
 */
import type { Admin, Kafka, Message } from "kafkajs";
import type { PartitionSnapshot, SymbolSnapshot } from "../../analytics/partition";
import { readMessages } from "../../kafka/reader";
import { ensureTopic } from "../../kafka/topics";
import { getOrCreate } from "../../util/maps";

const PARTITION_KEY = "~partition";

export interface PartitionCheckpoint extends PartitionSnapshot {
  /** The input offset the state is at: everything before it is in the state. */
  next: string;
  /** Changes when the state starts over; symbol records of another generation are stale. */
  generation: string;
}

export interface Checkpoint {
  partition: PartitionCheckpoint;
  symbols: SymbolSnapshot[];
}

export function checkpointTopic(topic: string, group: string): string {
  return `${topic}.analyze-state.${group.replace(/[^A-Za-z0-9._-]/g, "_")}`.slice(0, 249);
}

export async function ensureCheckpointTopic(admin: Admin, name: string, partitions: number): Promise<void> {
  await ensureTopic(admin, {
    name,
    partitions,
    // Every transaction writes the symbols it changed, so the log grows fast while only the last record of each
    // key matters: small segments rolled every minute and an eager cleaner keep what a restart reads short.
    configs: {
      "cleanup.policy": "compact",
      "segment.ms": "60000",
      "segment.bytes": String(16 * 1024 * 1024),
      "min.cleanable.dirty.ratio": "0.1",
      "min.compaction.lag.ms": "0",
    },
  });
}

/** The checkpoint records of one transaction. */
export function checkpointMessages(partition: number, cp: PartitionCheckpoint, symbols: SymbolSnapshot[]): Message[] {
  const out: Message[] = symbols.map((s) => ({ key: s.symbol, partition, value: JSON.stringify({ g: cp.generation, ...s }) }));
  out.push({ key: PARTITION_KEY, partition, value: JSON.stringify(cp) });
  return out;
}

/** Reads the committed checkpoints of some partitions: the last record of each key, symbols of the current generation. */
export async function readCheckpoints(
  kafka: Kafka,
  topic: string,
  partitions: readonly number[],
  signal: AbortSignal,
): Promise<Map<number, Checkpoint>> {
  const records: CheckpointRecord[] = [];
  for await (const batch of readMessages(kafka, { topic, from: "earliest", follow: false, signal, partitions }))
    for (const m of batch.messages)
      records.push({ partition: batch.partition, key: m.key?.toString(), value: m.value?.toString() ?? null });
  return decodeCheckpoints(records);
}

export interface CheckpointRecord {
  partition: number;
  key: string | undefined;
  /** null: a tombstone. */
  value: string | null;
}

/** The checkpoints in a state topic's records, in log order: the last value of each key wins, as compaction keeps it. */
export function decodeCheckpoints(records: Iterable<CheckpointRecord>): Map<number, Checkpoint> {
  const latest = new Map<number, Map<string, string>>();
  for (const r of records) {
    if (r.key === undefined) continue;
    const keys = getOrCreate(latest, r.partition, () => new Map<string, string>());
    if (r.value === null) keys.delete(r.key);
    else keys.set(r.key, r.value);
  }
  const out = new Map<number, Checkpoint>();
  for (const [p, keys] of latest) {
    const head = keys.get(PARTITION_KEY);
    if (!head) continue;
    const partition = JSON.parse(head) as PartitionCheckpoint;
    const symbols: SymbolSnapshot[] = [];
    for (const [key, value] of keys) {
      if (key === PARTITION_KEY) continue;
      const { g, ...snap } = JSON.parse(value) as SymbolSnapshot & { g: string };
      if (g === partition.generation) symbols.push(snap);
    }
    out.set(p, { partition, symbols });
  }
  return out;
}
