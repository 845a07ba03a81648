/**
 * What notify may commit: per partition, the alerts handed on but not yet delivered (or dead-lettered) to every
 * destination they go to. The committable offset is the lowest one still pending, or — with nothing pending —
 * the offset after the last chunk handled. Offsets are committed only past alerts that are done.
 */
export class Pending {
  /** partition → offset → deliveries still owed. */
  private readonly owed = new Map<number, Map<bigint, number>>();
  private readonly handledUpTo = new Map<number, bigint>();
  private count = 0;
  private waiters: (() => void)[] = [];

  /** An alert at `offset` owes `n` deliveries (0: done at once — unrouted, or every destination left it out). */
  add(partition: number, offset: string, n: number): void {
    if (n === 0) return;
    let p = this.owed.get(partition);
    if (!p) {
      p = new Map();
      this.owed.set(partition, p);
    }
    const o = BigInt(offset);
    p.set(o, (p.get(o) ?? 0) + n);
    this.count += n;
  }

  /** A chunk of the partition was handled up to (not including) `next`. */
  handled(partition: number, next: string): void {
    const n = BigInt(next);
    if ((this.handledUpTo.get(partition) ?? -1n) < n) this.handledUpTo.set(partition, n);
  }

  /** One delivery of the alert at `offset` is done (delivered, or dead-lettered). */
  done(partition: number, offset: string): void {
    const p = this.owed.get(partition);
    const o = BigInt(offset);
    const left = p?.get(o);
    if (!p || left === undefined) return;
    if (left > 1) p.set(o, left - 1);
    else p.delete(o);
    this.count--;
    for (const w of this.waiters.splice(0)) w();
  }

  /** The offset the partition may be committed at, or undefined when nothing of it was handled. */
  committable(partition: number): string | undefined {
    const up = this.handledUpTo.get(partition);
    if (up === undefined) return undefined;
    let low = up;
    for (const o of this.owed.get(partition)?.keys() ?? []) if (o < low) low = o;
    return low.toString();
  }

  /** Deliveries owed, all partitions together. */
  get size(): number {
    return this.count;
  }

  /** Resolves at the next delivery done. */
  changed(): Promise<void> {
    return new Promise((r) => this.waiters.push(r));
  }

  /** Forgets partitions this member lost: their next owner reads them again. */
  release(partitions: readonly number[]): void {
    for (const p of partitions) {
      for (const n of this.owed.get(p)?.values() ?? []) this.count -= n;
      this.owed.delete(p);
      this.handledUpTo.delete(p);
    }
    for (const w of this.waiters.splice(0)) w();
  }
}
