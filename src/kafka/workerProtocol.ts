/** Messages between the produce pool and its worker threads. */

/**
 * A chunk of messages in columns: keys, values and produced-at times each joined by newlines into one string
 * (a symbol, a tick's JSON and a number never contain one), so handing a chunk to a worker copies three strings
 * instead of cloning an array per message.
 */
export interface WireChunk {
  partitions: number[];
  keys: string;
  values: string;
  producedAt: string;
}

export type ToWorker = { t: "batch"; chunk: WireChunk } | { t: "flush" } | { t: "close" };

/** Joins a chunk's columns (the pool's side). */
export function packChunk(partitions: number[], keys: string[], values: string[], producedAt: string[]): WireChunk {
  return { partitions, keys: keys.join("\n"), values: values.join("\n"), producedAt: producedAt.join("\n") };
}

/** Splits a chunk back into its messages' fields (the worker's side). */
export function unpackChunk(chunk: WireChunk): { partition: number; key: string; value: string; producedAt: string }[] {
  const keys = chunk.keys.split("\n");
  const values = chunk.values.split("\n");
  const producedAt = chunk.producedAt.split("\n");
  if (keys.length !== chunk.partitions.length || values.length !== keys.length || producedAt.length !== keys.length)
    throw new Error(
      `a produce chunk's columns disagree: ${chunk.partitions.length} partitions, ${keys.length} keys, ${values.length} values`,
    );
  return chunk.partitions.map((partition, i) => ({ partition, key: keys[i]!, value: values[i]!, producedAt: producedAt[i]! }));
}

export type FromWorker =
  | { t: "ready" }
  | { t: "delivered"; n: number; ms: number }
  | { t: "retry"; message: string; attempt: number; delayMs: number }
  | { t: "flushed" }
  | { t: "closed" }
  | { t: "error"; message: string; startup?: boolean };
