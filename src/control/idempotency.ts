import { UnprocessableEntityException } from '@nestjs/common';

/** How long an Idempotency-Key's answer is kept, and how many keys at most (the oldest go first). */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
export const IDEMPOTENCY_MAX_KEYS = 10_000;

interface Entry {
  /** The request the key was first used for: a key reused for another one is refused. */
  fingerprint: string;
  answer: Promise<unknown>;
  expires: number;
}

/**
 * Idempotency-Key's record, in this process's memory: a retry (same actor, same key) gets the first
 * answer, or waits for it while it is on its way. A failed action is forgotten, so its retry is tried again.
 */
export class IdempotencyRecord {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs = IDEMPOTENCY_TTL_MS,
    private readonly maxKeys = IDEMPOTENCY_MAX_KEYS,
  ) {}

  once<T>(actor: string, key: string | undefined, fingerprint: string, action: () => Promise<T>): Promise<T> {
    if (!key) return action();
    const id = `${actor}\u0000${key}`;
    const now = Date.now();
    const known = this.entries.get(id);
    if (known && known.expires > now) {
      if (known.fingerprint !== fingerprint)
        throw new UnprocessableEntityException(
          'This Idempotency-Key was already used for another request; use a new key for a new action',
        );
      return known.answer as Promise<T>;
    }
    this.entries.delete(id);
    const answer = action();
    this.entries.set(id, { fingerprint, answer, expires: now + this.ttlMs });
    answer.catch(() => this.entries.get(id)?.answer === answer && this.entries.delete(id));
    this.prune(now);
    return answer;
  }

  private prune(now: number): void {
    // Insertion order is age order: expired keys and those over the bound are at the front.
    for (const [id, entry] of this.entries) {
      if (entry.expires > now && this.entries.size <= this.maxKeys) break;
      this.entries.delete(id);
    }
  }
}
