/** Retries of one delivery are never further apart than this. */
export const MAX_DELAY_MS = 10 * 60_000;
const JITTER = 0.25;

/**
 * The wait before the next attempt after `attempts` failed ones: about base, 2×base, 4×base…, each
 * ±25 % so receivers that failed together are not retried together, and at most 10 minutes.
 */
export function backoffMs(baseMs: number, attempts: number, random: () => number = Math.random): number {
  // Capped before the spread, low enough that the spread too stays within 10 minutes (6 to 10 at the cap).
  const delay = Math.min(MAX_DELAY_MS / (1 + JITTER), baseMs * 2 ** Math.min(attempts - 1, 30));
  return Math.round(delay * (1 - JITTER + random() * 2 * JITTER));
}
