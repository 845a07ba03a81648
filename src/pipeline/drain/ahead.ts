/**
 * Writes ahead of the fetch: the drain hands a chunk over and returns at once, so the consumer fetches the next
 * batch while this one is being written. Writes of one partition run one after another in offset order (a sink's
 * durable point only ever moves past written records); partitions write side by side. Bytes in flight are
 * bounded: a chunk that would pass the bound waits until earlier writes finish, so memory stays bounded.
 */
export class WriteAhead {
  /** Each partition's chain of writes: a write runs only after the one before it succeeded. */
  private readonly chains = new Map<number, Promise<void>>();
  /** The same, settled either way: what `idle` waits for. */
  private readonly tails = new Map<number, Promise<void>>();
  /** Partitions whose write failed: nothing after it is written (its durable point must not move past it). */
  private readonly failed = new Set<number>();
  private bytes = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    /** Bytes of chunks handed over and not yet written, at most (one chunk is always let through). */
    private readonly limit: number,
  ) {}

  /** Bytes handed over and not yet written. */
  get inFlight(): number {
    return this.bytes;
  }

  /**
   * Queues `write` after the partition's earlier writes; resolves once it is queued (waiting while the bytes in
   * flight are at the bound). `write` reports its own failure; after a failed write, later writes of its
   * partition are left out.
   */
  async submit(partition: number, bytes: number, write: () => Promise<void>): Promise<void> {
    while (this.bytes > 0 && this.bytes + bytes > this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    if (this.failed.has(partition)) return;
    this.bytes += bytes;
    const chain = (this.chains.get(partition) ?? Promise.resolve()).then(write);
    this.chains.set(partition, chain);
    const tail = chain
      .catch(() => {
        this.failed.add(partition);
      })
      .finally(() => {
        this.bytes -= bytes;
        for (const wake of this.waiting.splice(0)) wake();
        if (this.chains.get(partition) === chain) {
          this.chains.delete(partition);
          this.tails.delete(partition);
        }
      });
    this.tails.set(partition, tail);
  }

  /** Resolves when every write handed over so far has finished (written, failed or left out). */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }
}

/** A chunk's size for the bound: its messages' keys and values. */
export function chunkBytes(messages: readonly { key: Buffer | null; value: Buffer | null }[]): number {
  let n = 0;
  for (const m of messages) n += (m.value?.length ?? 0) + (m.key?.length ?? 0);
  return n;
}
