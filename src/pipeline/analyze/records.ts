/**
 * The records one analyzed chunk sends in its transaction: bars, alerts, late ticks, dead letters and the
 * checkpoint of what changed. Pure: the same chunk and outputs give the same records (but for the late and dead
 * letters' wall-clock time header).
 */
import type { KafkaMessage, Message } from "kafkajs";
import type { Outputs, PartitionSnapshot, SymbolSnapshot } from "../../analytics/partition";
import { type DeadLetter, deadLetterMessage } from "../../kafka/dlq";
import type { OutRecord } from "../../kafka/transactions";
import { ALERT_SCHEMA, encodeAlert } from "../../model/alert";
import { BAR_SCHEMA, encodeBar } from "../../model/bar";
import { checkpointMessages } from "./checkpoint";
import type { OutputTopics } from "./outputs";

export interface ChunkOutputs {
  /** The input topic and partition. */
  topic: string;
  partition: number;
  out: Outputs;
  dead: DeadLetter[];
  /** The chunk's messages and the offsets of its valid ticks (late ticks are indices into these). */
  messages: KafkaMessage[];
  tickOffsets: string[];
  /** What the analyzer's state changed, and where it now stands. */
  changed: { partition: PartitionSnapshot; symbols: SymbolSnapshot[] };
  next: string;
  generation: string;
  /** The pipeline writing its dead letters, e.g. `analyze (group stockpipe-analyze)`. */
  by?: string;
}

export function outputRecords(
  topics: Pick<OutputTopics, "bars" | "alerts" | "late" | "dlq" | "checkpoint" | "partitionOf">,
  c: ChunkOutputs,
  now = new Date(),
): OutRecord[] {
  const records: OutRecord[] = [];
  // Every record carries its partition (the producer checks each one is acknowledged): the input's, or by key.
  const partitionOf = (topic: string, key: string) => topics.partitionOf(topic, key, c.partition);
  for (const bar of c.out.bars) {
    const topic = topics.bars.get(bar.interval)!;
    records.push({
      topic,
      message: { key: bar.symbol, value: encodeBar(bar), headers: { schema: BAR_SCHEMA }, partition: partitionOf(topic, bar.symbol) },
    });
  }
  for (const alert of c.out.alerts)
    records.push({
      topic: topics.alerts,
      message: {
        key: alert.symbol,
        value: encodeAlert(alert),
        headers: { schema: ALERT_SCHEMA },
        partition: partitionOf(topics.alerts, alert.symbol),
      },
    });
  if (c.out.late.length) {
    const byOffset = new Map(c.messages.map((m) => [m.offset, m]));
    for (const late of c.out.late) {
      const m = byOffset.get(c.tickOffsets[late.index]!)!;
      const message = lateMessage(m, c.topic, c.partition, late.watermark, late.missed, now);
      records.push({ topic: topics.late, message: { ...message, partition: partitionOf(topics.late, String(message.key ?? "")) } });
    }
  }
  for (const d of c.dead)
    records.push({
      topic: topics.dlq,
      message: { ...deadLetterMessage(d, c.topic, now, c.by), partition: partitionOf(topics.dlq, d.message.key?.toString() ?? "") },
    });
  const state = { ...c.changed.partition, next: c.next, generation: c.generation };
  for (const message of checkpointMessages(c.partition, state, c.changed.symbols)) records.push({ topic: topics.checkpoint, message });
  return records;
}

/** A late tick: its own key, bytes and headers, plus where it was, the watermark it was behind and the windows it missed. */
export function lateMessage(
  m: KafkaMessage,
  topic: string,
  partition: number,
  watermark: string,
  missed: { interval: string; start: string; end: string }[],
  now: Date,
): Message {
  return {
    key: m.key,
    value: m.value,
    headers: {
      ...m.headers,
      "late-topic": topic,
      "late-partition": String(partition),
      "late-offset": m.offset,
      "late-watermark": watermark,
      "late-windows": missed.map((w) => `${w.interval} ${w.start}/${w.end}`).join(", "),
      "late-time": now.toISOString(),
    },
  };
}
