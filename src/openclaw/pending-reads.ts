import { abandon } from '../common/process';

export const STILL_READING = Symbol('still reading');

/**
 * Reads of OpenClaw's files, each waited for at most `waitMs` at a time. One that takes longer (a hung
 * mount; a file that blocks whoever opens it) is not waited for: the caller reports it and goes on, no
 * second read of the same thing starts meanwhile, and its result is taken up by the first call after
 * it returns. The poll loop, health and the shutdown never hang on it.
 */
export class PendingReads {
  private readonly reads = new Map<unknown, Promise<unknown>>();
  private readonly late = new WeakSet<Promise<unknown>>();
  private stop: () => void = () => undefined;
  private readonly stopped = new Promise<typeof STILL_READING>((resolve) => (this.stop = () => resolve(STILL_READING)));

  constructor(private readonly waitMs: number) {}

  /** Reads under way, or returned and not yet taken up. */
  get size(): number {
    return this.reads.size;
  }

  /** Whether a read of `key` is under way. */
  has(key: unknown): boolean {
    return this.reads.has(key);
  }

  /** What `start()` reads for `key`, or STILL_READING; a read of `key` already under way is waited for instead. */
  async read<T>(key: unknown, start: () => Promise<T>): Promise<T | typeof STILL_READING> {
    let read = this.reads.get(key) as Promise<T> | undefined;
    if (!read) this.reads.set(key, (read = start()));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<typeof STILL_READING>(
      (resolve) => (timer = setTimeout(() => resolve(STILL_READING), this.waitMs)),
    );
    try {
      const result = await Promise.race([read, late, this.stopped]);
      if (result !== STILL_READING) this.reads.delete(key);
      else if (!this.late.has(read)) {
        this.late.add(read);
        // Its thread may never come back: exiting must not wait for it.
        abandon(read);
      }
      return result;
    } catch (error) {
      this.reads.delete(key);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** At shutdown: waits up to `graceMs` for the reads under way, and leaves the others to end without them. */
  async settle(graceMs: number): Promise<void> {
    this.stop();
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([Promise.allSettled(this.reads.values()), grace]);
    clearTimeout(timer);
    for (const read of this.reads.values()) if (!this.late.has(read)) abandon(read);
  }
}
