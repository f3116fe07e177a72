import { healthScore, rates, reportedDuration, reportedStatus, timeInStatus } from './derivations';

const MIN = 60_000;

describe('timeInStatus', () => {
  it('splits a window between active and idle by the reported changes, in any order', () => {
    const result = timeInStatus(
      'offline',
      [
        { at: 5 * MIN, to: 'idle' },
        { at: 1 * MIN, to: 'active' },
      ],
      0,
      10 * MIN,
    );
    expect(result).toEqual({ active: 240, idle: 300, endStatus: 'idle' });
  });

  it('counts the whole window for an agent that did not change', () => {
    expect(timeInStatus('active', [], 0, 10 * MIN)).toEqual({ active: 600, idle: 0, endStatus: 'active' });
    expect(timeInStatus('error', [], 0, 10 * MIN)).toEqual({ active: 0, idle: 0, endStatus: 'error' });
  });

  it('clamps changes reported outside the window to its edges', () => {
    expect(
      timeInStatus(
        'idle',
        [
          { at: -5 * MIN, to: 'active' },
          { at: 20 * MIN, to: 'offline' },
        ],
        0,
        10 * MIN,
      ),
    ).toEqual({ active: 600, idle: 0, endStatus: 'offline' });
  });
});

describe('reported values', () => {
  it('reads the new status from to, status or new_status', () => {
    expect(reportedStatus({ to: 'busy' })).toBe('active');
    expect(reportedStatus({ status: 'standby' })).toBe('idle');
    expect(reportedStatus({ new_status: 'crashed' })).toBe('error');
    expect(reportedStatus({ other: 1 })).toBeNull();
  });

  it('reads durations in seconds or milliseconds', () => {
    expect(reportedDuration({ duration: 12.5 })).toBe(12.5);
    expect(reportedDuration({ duration_ms: 1500 })).toBe(1.5);
    expect(reportedDuration({ duration: 'soon', duration_ms: 3000 })).toBe(3);
    expect(reportedDuration({ duration: -1 })).toBeNull();
    expect(reportedDuration({})).toBeNull();
    expect(reportedDuration({ duration: 1e308 })).toBeNull();
    expect(reportedDuration({ duration: 1e308, duration_ms: 2000 })).toBe(2);
    expect(reportedDuration({ duration_ms: 8 * 86_400_000 })).toBeNull();
  });
});

describe('rates and health', () => {
  it('gives 0 and 1 when nothing has finished', () => {
    expect(rates(0, 0)).toEqual({ error_rate: 0, success_rate: 1 });
    expect(rates(3, 1)).toEqual({ error_rate: 0.25, success_rate: 0.75 });
  });

  it('weighs online share, success rate and clean events 40/40/20', () => {
    expect(healthScore(0, 0, 1, 0, 0)).toBe(1);
    // 1 of 2 online (0.5), success 0.5, 3 of 4 events clean (0.75):
    // 0.4 × 0.5 + 0.4 × 0.5 + 0.2 × 0.75 = 0.2 + 0.2 + 0.15
    expect(healthScore(1, 2, 0.5, 1, 4)).toBe(0.55);
    // 2 of 3 online, success 2/3, 6 of 7 clean: 0.26667 + 0.26667 + 0.17143 = 0.70476, rounded to three places
    expect(healthScore(2, 3, 2 / 3, 1, 7)).toBe(0.705);
    expect(healthScore(0, 5, 0, 10, 10)).toBe(0);
  });
});
