/** Messages between the produce pool and its worker threads. */
export type WireMessage = [partition: number, key: string, value: string, producedAt: string];

export type ToWorker = { t: "batch"; messages: WireMessage[] } | { t: "flush" } | { t: "close" };

export type FromWorker =
  | { t: "ready" }
  | { t: "delivered"; n: number; ms: number }
  | { t: "retry"; message: string; attempt: number; delayMs: number }
  | { t: "flushed" }
  | { t: "closed" }
  | { t: "error"; message: string; startup?: boolean };
