/** The first step of decoding every record kind: JSON text that must be one object. */
export type Parsed = { ok: true; value: Record<string, unknown> } | { ok: false; reason: string; detail: string };

export function parseJsonObject(text: string): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: "not JSON", detail: `not JSON: ${(err as Error).message}` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return { ok: false, reason: "not an object", detail: "value is not a JSON object" };
  return { ok: true, value: value as Record<string, unknown> };
}
