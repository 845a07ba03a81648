/**
 * Commit scheduling. Only what the sink reports durable is ever committed. Commits go out in the background,
 * one request at a time carrying every partition that moved: a batch does not wait for its commit, and a
 * stream of small batches costs one commit per round trip, not one per batch and partition. A commit lost to
 * a crash or a rebalance means those batches are read (and idempotently written) again.
 */
export interface PartitionOffset {
  topic: string;
  partition: number;
  offset: string;
}

export type CommitFn = (offsets: PartitionOffset[]) => Promise<void>;

export class CommitScheduler {
  private readonly committed = new Map<number, string>();
  /** Partitions this consumer has handled and still owns. */
  private readonly owned = new Set<number>();
  /** The group's latest assignment to this consumer; undefined before the first. */
  private assigned?: Set<number>;
  private running?: Promise<void>;
  private again = false;

  constructor(
    private readonly topic: string,
    /** The sink's durable point for a partition. */
    private readonly durableOffset: (partition: number) => string | undefined,
    private readonly commit: CommitFn,
    /** A background commit failed; the next one carries its offsets again. */
    private readonly onError: (err: Error) => void,
  ) {}

  /** A partition this consumer is handling; ignored when the group has assigned it elsewhere. */
  track(partition: number): void {
    if (!this.assigned || this.assigned.has(partition)) this.owned.add(partition);
  }

  owns(partition: number): boolean {
    return this.owned.has(partition);
  }

  /** Keeps only the partitions assigned to this consumer now; returns the ones it lost (a rebalance). */
  keepOnly(assigned: readonly number[]): number[] {
    this.assigned = new Set(assigned);
    const lost = [...this.owned].filter((p) => !assigned.includes(p));
    for (const p of lost) {
      this.owned.delete(p);
      this.committed.delete(p);
    }
    return lost;
  }

  /** Commits in the background whatever moved; a call while a commit is under way makes it go round again. */
  soon(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.commitMoved();
      } while (this.again);
    })()
      .catch((err: Error) => this.onError(err))
      .finally(() => {
        this.running = undefined;
      });
  }

  /** Waits for the background commit, then commits what is left; a failure is thrown. */
  async now(): Promise<void> {
    while (this.running) await this.running;
    await this.commitMoved();
  }

  /** Every owned partition whose durable offset moved since its last commit, in one request. */
  private async commitMoved(): Promise<void> {
    const offsets: PartitionOffset[] = [];
    for (const partition of this.owned) {
      const offset = this.durableOffset(partition);
      if (offset !== undefined && this.committed.get(partition) !== offset) offsets.push({ topic: this.topic, partition, offset });
    }
    if (offsets.length === 0) return;
    await this.commit(offsets);
    for (const c of offsets) if (this.owned.has(c.partition)) this.committed.set(c.partition, c.offset);
  }
}
