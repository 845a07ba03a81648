/**
 * Chunks for a store that takes ticks as JSON lines (the lake), decoded off the main thread. The main thread
 * does only what needs no parsing — each message's size and schema header — and hands the values over as one
 * buffer; a decode thread (lineWorker.ts, through LinePool) parses and validates them by the same rules as
 * `classifyMessage` and hands back buffers too: the valid ticks' lines as one string, their event times as a
 * Float64Array, a status byte per value. No Tick object crosses threads or is made on the main thread.
 */
import type { Batch, KafkaMessage } from "kafkajs";
import { checkMessage, decodeRecord } from "../../kafka/classify";
import type { Alert } from "../../model/alert";
import type { Bar } from "../../model/bar";
import type { KindName } from "../../model/kinds";
import { type Chunk, type ClassifyOptions, chunkOf } from "./chunk";

const KIND_NAMES: readonly KindName[] = ["tick", "bar", "alert"];

/** Values to decode: one buffer, where each ends, and each one's kind (index into KIND_NAMES). */
export interface PackedValues {
  bytes: Uint8Array;
  ends: Int32Array;
  kinds: Uint8Array;
}

export const DEAD = 0;
export const TICK = 1;
export const BAR = 2;
export const ALERT = 3;

/** What a decode thread hands back for a PackedValues. */
export interface DecodedValues {
  /** Per value: DEAD, TICK, BAR or ALERT. */
  status: Uint8Array;
  /** The valid ticks' JSON, one line each, joined by newlines (empty with none). */
  lines: string;
  /** The valid ticks' event times, epoch ms, in order. */
  ms: Float64Array;
  /** The rest, each by its index among the values. */
  dead: { i: number; reason: string; detail: string }[];
  bars: { i: number; bar: Bar; text: string }[];
  alerts: { i: number; alert: Alert; text: string }[];
}

/** Decodes packed values (on a decode thread; on the main thread where no worker script is built). */
export function decodePacked(p: PackedValues): DecodedValues {
  const n = p.ends.length;
  const status = new Uint8Array(n);
  const ms = new Float64Array(n);
  const lines: string[] = [];
  const out: DecodedValues = { status, lines: "", ms, dead: [], bars: [], alerts: [] };
  const text = Buffer.from(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength);
  let start = 0;
  for (let i = 0; i < n; i++) {
    const end = p.ends[i]!;
    const c = decodeRecord(KIND_NAMES[p.kinds[i]!]!, text.toString("utf8", start, end));
    start = end;
    if (!c.ok) {
      out.dead.push({ i, reason: c.reason, detail: c.detail });
    } else if (c.kind === "tick") {
      status[i] = TICK;
      ms[lines.length] = Date.parse(c.tick.ts);
      // One line per record: re-encode anything multi-line.
      lines.push(c.text.includes("\n") ? JSON.stringify(c.tick) : c.text);
    } else if (c.kind === "bar") {
      status[i] = BAR;
      out.bars.push({ i, bar: c.bar, text: c.text });
    } else {
      status[i] = ALERT;
      out.alerts.push({ i, alert: c.alert, text: c.text });
    }
  }
  out.lines = lines.join("\n");
  out.ms = ms.slice(0, lines.length);
  return out;
}

/** Decodes packed values somewhere (a decode thread) for a partition. */
export type Decode = (partition: number, packed: PackedValues) => Promise<DecodedValues>;

/**
 * A chunk as `classifyChunk` makes it, but with its ticks as lines and event times (`ticks` empty): the checks
 * without parsing here, the rest by `decode`. Dead letters and the counts are the same either way.
 */
export async function classifyChunkAsLines(
  decode: Decode,
  batch: Pick<Batch, "topic" | "partition" | "highWatermark">,
  messages: KafkaMessage[],
  o: ClassifyOptions,
): Promise<Chunk> {
  const out = chunkOf(batch, messages, o.endOffset);
  // Which messages go to the decode thread (by index in `messages`), and why the others are dead.
  const sent: number[] = [];
  const kinds: number[] = [];
  const values: Buffer[] = [];
  const early = new Map<number, { reason: string; detail: string }>();
  for (let j = 0; j < messages.length; j++) {
    const m = messages[j]!;
    const checked = checkMessage(m, o.maxMessageBytes, o.accepted);
    if (!checked.ok) early.set(j, checked);
    else if (!m.value) early.set(j, decodeRecord(checked.kind, undefined) as { reason: string; detail: string });
    else {
      sent.push(j);
      kinds.push(KIND_NAMES.indexOf(checked.kind));
      values.push(m.value);
    }
  }
  // A buffer of its own (Buffer.concat may return a slice of Node's shared pool), so it can be transferred.
  const ends = new Int32Array(values.length);
  let at = 0;
  for (let i = 0; i < values.length; i++) ends[i] = at += values[i]!.length;
  const bytes = Buffer.allocUnsafeSlow(at);
  at = 0;
  for (const v of values) at += v.copy(bytes, at);
  const d = sent.length ? await decode(batch.partition, { bytes, ends, kinds: Uint8Array.from(kinds) }) : undefined;
  // Everything back in offset order: dead letters, ticks, bars and alerts as the main-thread classification orders them.
  const late = new Map(d?.dead.map((x) => [sent[x.i]!, x]));
  const bars = new Map(d?.bars.map((x) => [sent[x.i]!, x]));
  const alerts = new Map(d?.alerts.map((x) => [sent[x.i]!, x]));
  const status = new Uint8Array(messages.length);
  if (d) for (let i = 0; i < sent.length; i++) status[sent[i]!] = d.status[i]!;
  for (let j = 0; j < messages.length; j++) {
    const m = messages[j]!;
    const s = status[j];
    if (s === TICK) out.tickOffsets.push(m.offset);
    else if (s === BAR) out.bars.push({ record: bars.get(j)!.bar, offset: m.offset, value: bars.get(j)!.text });
    else if (s === ALERT) out.alerts.push({ record: alerts.get(j)!.alert, offset: m.offset, value: alerts.get(j)!.text });
    else {
      const why = early.get(j) ?? late.get(j)!;
      out.dead.push({ message: m, partition: batch.partition, reason: why.reason, detail: why.detail });
    }
  }
  if (d && out.tickOffsets.length) {
    out.tickValues = d.lines.split("\n");
    out.tickMs = Array.from(d.ms);
  }
  return out;
}
