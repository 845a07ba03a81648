import type { Tick } from "../model/tick";

/** Where consumed ticks go. `write` resolves only when the rows are durable; writes are idempotent. */
export interface Sink {
  readonly name: string;
  open(): Promise<void>;
  write(ticks: Tick[]): Promise<void>;
  close(): Promise<void>;
}
