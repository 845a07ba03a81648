/**
 * How a Kafka message looks to a person: a JSON object's fields when it is one (any record kind), else its
 * text, or its bytes in hex when they are not text; long values cut short with their full size said.
 */
import type { KafkaMessage } from "kafkajs";

/** Longest preview of a value that is not a JSON object. */
const PREVIEW_CHARS = 120;

/** Printable text of some bytes: the UTF-8 text when it is text, else hex; cut at `max` characters. */
export function preview(bytes: Buffer | null | undefined, max = PREVIEW_CHARS): string {
  if (!bytes) return "";
  const text = bytes.toString("utf8");
  // Not text: invalid UTF-8 (replacement characters) or control characters other than tab and newlines.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters is the point
  const binary = text.includes("\uFFFD") || /[\x00-\x08\x0b\x0c\x0e-\x1f]/.test(text);
  const shown = binary ? `0x${bytes.subarray(0, Math.ceil(max / 2)).toString("hex")}` : text.replace(/\s+/g, " ");
  return shown.length > max || (binary && bytes.length * 2 + 2 > max)
    ? `${shown.slice(0, max)}… (${bytes.length.toLocaleString("en-US")} bytes)`
    : shown;
}

/** The fields of a JSON object value, or undefined when the value is not one. */
export function jsonFields(bytes: Buffer | null | undefined): Record<string, unknown> | undefined {
  if (bytes?.[0] !== 0x7b) return undefined;
  try {
    const v = JSON.parse(bytes.toString("utf8"));
    return typeof v === "object" && v !== null && !Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

export function headerText(m: KafkaMessage, name: string): string | undefined {
  const h = m.headers?.[name];
  if (h === undefined) return undefined;
  return Array.isArray(h) ? h.map(String).join(",") : String(h);
}

/** All headers as text, for showing. */
export function headersOf(m: KafkaMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(m.headers ?? {})) out[name] = headerText(m, name) ?? "";
  return out;
}
