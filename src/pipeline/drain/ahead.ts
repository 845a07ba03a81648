/**
 * Writes ahead of the fetch: the drain hands a chunk over and returns at once, so the consumer fetches the next
 * batch while this one is being written. A partition has one write in flight at a time, in offset order (a
 * sink's durable point only ever moves past written records); the chunks that queue up behind it are written
 * together next, as one write — under load the writes grow as large as when each fetch waited for the last
 * write, at low rates a chunk is written as soon as it arrives. Partitions write side by side. Bytes in flight
 * are bounded: a chunk that would pass the bound waits until earlier writes finish, so memory stays bounded.
 */
export class WriteAhead<T> {
  private readonly queues = new Map<number, { items: T[]; bytes: number[] }>();
  private readonly running = new Map<number, Promise<void>>();
  /** Partitions whose write failed: nothing after it is written (its durable point must not move past it). */
  private readonly failed = new Set<number>();
  private bytes = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    /** Bytes of items handed over and not yet written, at most (one item is always let through). */
    private readonly limit: number,
    /** Writes a partition's queued items, oldest first; a rejection marks the partition failed. */
    private readonly write: (partition: number, items: T[]) => Promise<void>,
  ) {}

  /** Bytes handed over and not yet written. */
  get inFlight(): number {
    return this.bytes;
  }

  /** Queues an item of the partition; resolves once it is queued (waiting while the bytes in flight are at the bound). */
  async submit(partition: number, bytes: number, item: T): Promise<void> {
    while (this.bytes > 0 && this.bytes + bytes > this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    if (this.failed.has(partition)) return;
    this.bytes += bytes;
    const q = this.queues.get(partition) ?? { items: [], bytes: [] };
    q.items.push(item);
    q.bytes.push(bytes);
    this.queues.set(partition, q);
    if (!this.running.has(partition)) this.running.set(partition, this.drain(partition));
  }

  /** Writes the partition's queue until it is empty: each round takes everything queued so far. */
  private async drain(partition: number): Promise<void> {
    try {
      for (;;) {
        const q = this.queues.get(partition);
        if (!q || q.items.length === 0) return;
        this.queues.delete(partition);
        try {
          await this.write(partition, q.items);
        } catch {
          this.failed.add(partition);
          const left = this.queues.get(partition);
          this.queues.delete(partition);
          this.release([...q.bytes, ...(left?.bytes ?? [])]);
          return;
        }
        this.release(q.bytes);
      }
    } finally {
      this.running.delete(partition);
    }
  }

  private release(bytes: number[]): void {
    for (const b of bytes) this.bytes -= b;
    for (const wake of this.waiting.splice(0)) wake();
  }

  /** Resolves when every item handed over so far has been written (or left out after a failure). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()]);
  }
}

/** A chunk's size for the bound: its messages' keys and values. */
export function chunkBytes(messages: readonly { key: Buffer | null; value: Buffer | null }[]): number {
  let n = 0;
  for (const m of messages) n += (m.value?.length ?? 0) + (m.key?.length ?? 0);
  return n;
}
