/** Whether a Kafka message is a valid tick v1 — the one rule the consumer and `verify` both apply. */
import type { KafkaMessage } from "kafkajs";
import { decodeTick, encodeTick, TICK_SCHEMA, type Tick } from "../model/tick";

/** `text`: the tick as JSON — the message's own bytes, or re-encoded when the id had to be derived. */
export type Classified = { ok: true; tick: Tick; text: string } | { ok: false; reason: string; detail: string };

export function classifyMessage(m: KafkaMessage, maxMessageBytes: number): Classified {
  const size = m.value?.length ?? 0;
  if (size > maxMessageBytes)
    return { ok: false, reason: "oversized", detail: `${size} bytes, more than consumer.maxMessageBytes (${maxMessageBytes})` };
  const schema = m.headers?.schema?.toString();
  if (schema !== undefined && schema !== TICK_SCHEMA)
    return { ok: false, reason: "wrong schema", detail: `schema header is ${JSON.stringify(schema)}, expected ${TICK_SCHEMA}` };
  const text = m.value?.toString("utf8");
  const d = decodeTick(text);
  if (!d.ok) return d;
  return { ok: true, tick: d.tick, text: d.idDerived ? encodeTick(d.tick) : text! };
}
