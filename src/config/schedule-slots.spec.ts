import { slotsOf } from './schedule-slots';

describe('slotsOf', () => {
  it('puts intervals on wall-clock slots', () => {
    expect(slotsOf(1)).toEqual({ cron: '* * * * * *', everyDays: 1 });
    expect(slotsOf(5)).toEqual({ cron: '*/5 * * * * *', everyDays: 1 });
    expect(slotsOf(60)).toEqual({ cron: '0 */1 * * * *', everyDays: 1 });
    expect(slotsOf(1_800)).toEqual({ cron: '0 */30 * * * *', everyDays: 1 });
    expect(slotsOf(6 * 3_600)).toEqual({ cron: '0 0 */6 * * *', everyDays: 1 });
    expect(slotsOf(86_400)).toEqual({ cron: '0 0 0 * * *', everyDays: 1 });
    expect(slotsOf(720 * 3_600)).toEqual({ cron: '0 0 0 * * *', everyDays: 30 });
  });

  it('refuses intervals that would not fall on the same slots every day', () => {
    for (const seconds of [7, 45, 90, 7 * 60, 5_400, 5 * 3_600, 36 * 3_600, 0.5])
      expect(() => slotsOf(seconds)).toThrow('evenly');
  });
});
