import { backoffMs, MAX_DELAY_MS } from './backoff';

describe('backoffMs', () => {
  const middle = () => 0.5;
  const lowest = () => 0;
  const highest = () => 0.999_999;

  it('waits the base, then twice, then four times as long', () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(1000, n, middle))).toEqual([1000, 2000, 4000, 8000]);
    expect([1, 2, 3].map((n) => backoffMs(200, n, middle))).toEqual([200, 400, 800]);
  });

  it('spreads each wait by 25 % either way', () => {
    expect(backoffMs(1000, 1, lowest)).toBe(750);
    expect(backoffMs(1000, 1, highest)).toBe(1250);
    expect(backoffMs(1000, 3, lowest)).toBe(3000);
    expect(backoffMs(1000, 3, highest)).toBe(5000);
    const seen = new Set(Array.from({ length: 200 }, () => backoffMs(1000, 2)));
    for (const delay of seen) {
      expect(delay).toBeGreaterThanOrEqual(1500);
      expect(delay).toBeLessThanOrEqual(2500);
    }
    expect(seen.size).toBeGreaterThan(50);
  });

  it('never waits more than 10 minutes, however many attempts failed or however large the base', () => {
    for (const attempts of [10, 11, 30, 31, 1000]) {
      for (const random of [lowest, middle, highest])
        expect(backoffMs(1000, attempts, random)).toBeLessThanOrEqual(MAX_DELAY_MS);
    }
    expect(backoffMs(3_600_000, 1, highest)).toBeLessThanOrEqual(MAX_DELAY_MS);
    expect(MAX_DELAY_MS).toBe(10 * 60_000);
  });

  it('still spreads the waits at the cap, so receivers that failed together are not retried together', () => {
    const capped = [lowest, middle, highest].map((random) => backoffMs(1000, 20, random));
    expect(new Set(capped).size).toBe(3);
    expect(Math.min(...capped)).toBeGreaterThanOrEqual(MAX_DELAY_MS / 2);
    expect(Math.max(...capped)).toBeGreaterThan(0.99 * MAX_DELAY_MS);
  });
});
