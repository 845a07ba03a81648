import type { Tick } from "../model/tick";

/** A row or response that could not become a valid tick, with where it came from. */
export interface Rejected {
  kind: "rejected";
  /** Short category, for counting: "price not a number", "wrong column count", … */
  reason: string;
  /** The full explanation for the user. */
  detail: string;
  line?: number;
  url?: string;
  raw: string;
}

export interface Accepted {
  kind: "tick";
  tick: Tick;
  /** Event time in epoch ms (the tick's ts), for replay pacing and --from/--to. */
  eventMs: number;
}

export type SourceItem = Accepted | Rejected;

export interface Source {
  readonly name: string;
  /** A live feed's endpoint, scheme://host/… without secrets; only live feeds have one. */
  readonly endpoint?: string;
  /** Opens files and connections; fails with a clear error before anything is produced. */
  open(): Promise<void>;
  /** Yields until the input ends or `signal` aborts. */
  items(signal: AbortSignal): AsyncIterable<SourceItem>;
  close(): Promise<void>;
  /** Fraction of the input read so far (0..1), when the size is known. */
  progress?(): number | undefined;
  /**
   * A live feed whose venue keeps a trade history: where the last run left off — the latest ticks already in the
   * topic — so the trades printed while nothing ran are repaired and those already produced are not produced
   * again. Called before `items`.
   */
  resume?(latest: readonly Tick[]): void;
}
