/**
 * A lake file's rows on local disk while it fills, waits for an upload slot and uploads: rows are appended as
 * they arrive (one write per batch), so the sink's memory does not grow with the rows per file or with the
 * files waiting for S3. Writes to one spool run in order; `finish` resolves when every write has.
 */
import { type FileHandle, open, rm } from "node:fs/promises";

export class Spool {
  private handle?: Promise<FileHandle>;
  private chain: Promise<void> = Promise.resolve();
  private failure?: Error;

  constructor(readonly path: string) {}

  /** Queues `lines` (JSON lines, without newlines) and resolves when they are written. */
  append(lines: string[]): Promise<void> {
    if (lines.length === 0) return this.chain;
    const text = `${lines.join("\n")}\n`;
    this.handle ??= open(this.path, "w", 0o600);
    const handle = this.handle;
    this.chain = this.chain.then(async () => {
      if (this.failure) throw this.failure;
      try {
        await (await handle).write(text);
      } catch (err) {
        this.failure = err as Error;
        throw err;
      }
    });
    return this.chain;
  }

  /** Every queued write done and the file closed: it can be read. */
  async finish(): Promise<void> {
    await this.chain;
    if (this.handle) await (await this.handle).close();
    this.handle = undefined;
  }

  async remove(): Promise<void> {
    await this.finish().catch(() => {});
    await rm(this.path, { force: true });
  }
}
