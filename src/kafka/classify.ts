/** Whether a Kafka message is a valid record of a kind stockpipe stores — the one rule consumers and `verify` apply. */
import type { KafkaMessage } from "kafkajs";
import { type Alert, decodeAlert } from "../model/alert";
import { type Bar, decodeBar } from "../model/bar";
import { KIND_OF_SCHEMA, type KindName, kindOf } from "../model/kinds";
import { decodeTick, encodeTick, type Tick } from "../model/tick";

/** `text`: the record as JSON — the message's own bytes, or re-encoded when a tick's id had to be derived. */
export type Classified =
  | { ok: true; kind: "tick"; tick: Tick; text: string }
  | { ok: true; kind: "bar"; bar: Bar; text: string }
  | { ok: true; kind: "alert"; alert: Alert; text: string }
  | { ok: false; reason: string; detail: string };

const ALL: readonly KindName[] = ["tick", "bar", "alert"];

export function classifyMessage(m: KafkaMessage, maxMessageBytes: number, accepted: readonly KindName[] = ALL): Classified {
  const checked = checkMessage(m, maxMessageBytes, accepted);
  return checked.ok ? decodeRecord(checked.kind, m.value?.toString("utf8")) : checked;
}

/** The checks that need no parsing: the message's size and its schema header against the kinds accepted. */
export function checkMessage(
  m: Pick<KafkaMessage, "value" | "headers">,
  maxMessageBytes: number,
  accepted: readonly KindName[] = ALL,
): { ok: true; kind: KindName } | { ok: false; reason: string; detail: string } {
  const size = m.value?.length ?? 0;
  if (size > maxMessageBytes)
    return { ok: false, reason: "oversized", detail: `${size} bytes, more than consumer.maxMessageBytes (${maxMessageBytes})` };
  const schema = m.headers?.schema?.toString();
  const kind = kindOf(schema);
  if (kind === undefined || !accepted.includes(kind)) {
    const expected = Object.entries(KIND_OF_SCHEMA)
      .filter(([, k]) => accepted.includes(k))
      .map(([s]) => s)
      .join(", ");
    return { ok: false, reason: "wrong schema", detail: `schema header is ${JSON.stringify(schema)}, expected ${expected}` };
  }
  return { ok: true, kind };
}

/** A message's value (its text; undefined for none) as a record of the kind its header names, or why it is not one. */
export function decodeRecord(kind: KindName, text: string | undefined): Classified {
  if (kind === "tick") {
    const d = decodeTick(text);
    if (!d.ok) return d;
    return { ok: true, kind, tick: d.tick, text: d.idDerived ? encodeTick(d.tick) : text! };
  }
  if (text === undefined) return { ok: false, reason: "null value", detail: "message has no value" };
  if (kind === "bar") {
    const d = decodeBar(text);
    return d.ok ? { ok: true, kind, bar: d.bar, text } : d;
  }
  const d = decodeAlert(text);
  return d.ok ? { ok: true, kind, alert: d.alert, text } : d;
}
