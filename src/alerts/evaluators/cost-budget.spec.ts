import { windowStart } from './cost-budget';

const at = (iso: string) => Date.parse(iso);

describe('windowStart (cost_budget windows, UTC calendar)', () => {
  it('day: the UTC day, whatever the hour', () => {
    expect(windowStart('day', at('2026-03-11T00:00:00.000Z'))).toBe('2026-03-11');
    expect(windowStart('day', at('2026-03-11T23:59:59.999Z'))).toBe('2026-03-11');
    // 01:30 in Paris the next day is still the 11th in UTC.
    expect(windowStart('day', at('2026-03-12T01:30:00+02:00'))).toBe('2026-03-11');
  });

  it('week: from Monday, Sunday included in the week before it', () => {
    // 2026-03-09 is a Monday.
    expect(windowStart('week', at('2026-03-09T00:00:00Z'))).toBe('2026-03-09');
    expect(windowStart('week', at('2026-03-11T12:00:00Z'))).toBe('2026-03-09');
    expect(windowStart('week', at('2026-03-15T23:59:59.999Z'))).toBe('2026-03-09');
    expect(windowStart('week', at('2026-03-16T00:00:00Z'))).toBe('2026-03-16');
    expect(windowStart('week', at('2026-03-08T12:00:00Z'))).toBe('2026-03-02');
  });

  it('week: across the end of a month and of a year', () => {
    // Sunday 2026-03-01 belongs to the week of Monday 2026-02-23.
    expect(windowStart('week', at('2026-03-01T08:00:00Z'))).toBe('2026-02-23');
    // Thursday 2026-01-01 belongs to the week of Monday 2025-12-29.
    expect(windowStart('week', at('2026-01-01T00:00:00Z'))).toBe('2025-12-29');
    // Leap year: Sunday 2028-03-05 belongs to the week of Monday 2028-02-28.
    expect(windowStart('week', at('2028-03-05T00:00:00Z'))).toBe('2028-02-28');
  });

  it('month: from the first UTC day of the month', () => {
    expect(windowStart('month', at('2026-03-01T00:00:00Z'))).toBe('2026-03-01');
    expect(windowStart('month', at('2026-03-31T23:59:59.999Z'))).toBe('2026-03-01');
    expect(windowStart('month', at('2026-02-28T23:00:00Z'))).toBe('2026-02-01');
    expect(windowStart('month', at('2028-02-29T12:00:00Z'))).toBe('2028-02-01');
    expect(windowStart('month', at('2026-01-01T00:30:00+01:00'))).toBe('2025-12-01');
  });
});
