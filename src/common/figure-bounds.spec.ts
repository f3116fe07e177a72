import {
  badFigures,
  eventFigureProblems,
  eventFiguresFit,
  MAX_COST_USD,
  MAX_TOKENS,
  plausibleTime,
  withinBounds,
} from './figure-bounds';

describe('figure bounds', () => {
  it('takes numbers from 0 to the bound, nothing else', () => {
    expect([0, 1, MAX_TOKENS].map((v) => withinBounds(v, MAX_TOKENS))).toEqual([true, true, true]);
    expect([-1, MAX_TOKENS + 1, 1e308, Infinity, NaN, '5', null].map((v) => withinBounds(v, MAX_TOKENS))).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('names each event figure out of bounds, and reads numeric strings as the metrics do', () => {
    const data = {
      cost_usd: MAX_COST_USD * 2,
      input_tokens: 10,
      duration: '12.5',
      duration_ms: 'soon',
      output_tokens: null,
      other: 1e308,
    };
    expect(eventFigureProblems(data)).toEqual([
      'data.cost_usd must be a number from 0 to 100000',
      'data.duration_ms must be a number from 0 to 604800000',
    ]);
    expect(eventFiguresFit(data)).toBe(false);
    expect(eventFiguresFit({ cost_usd: 1, duration: '12.5', other: 1e308 })).toBe(true);
  });

  it('takes times from 2000 to a day ahead', () => {
    const now = Date.UTC(2026, 0, 1);
    expect([now, now + 86_400_000, Date.UTC(2000, 0, 1)].map((t) => plausibleTime(t, now))).toEqual([true, true, true]);
    expect([now + 86_400_001, Date.UTC(1999, 11, 31), 1e308, NaN].map((t) => plausibleTime(t, now))).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  it('finds the figures of a row that cannot be stored', () => {
    expect(
      badFigures({ a: 1, b: NaN, c: Infinity, d: null, e: null, f: '1' }, ['a', 'b', 'c', 'd', 'e', 'f'], ['e']),
    ).toEqual(['b', 'c', 'd', 'f']);
  });
});
