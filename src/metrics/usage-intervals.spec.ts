import type { AgentUsage } from '../openclaw/openclaw.service';
import { UsageIntervals } from './usage-intervals';

/** The reader's totals for one agent: `tokens` in, a tenth out, a cent per 1,000 tokens in. */
function reader(tokens: number, runs = 1): AgentUsage {
  const cache = { cache_read_tokens: 0, cache_write_tokens: 0 };
  const usage = { input_tokens: tokens, output_tokens: tokens / 10, ...cache, total_tokens: tokens };
  return { usage: { ...usage, cost_usd: tokens / 100_000 }, runs, toolCalls: 0, byModel: new Map() };
}

describe('UsageIntervals', () => {
  it('takes what the reader holds at its first whole read as history, even when that read comes late', () => {
    const intervals = new UsageIntervals();
    // A slow first poll: the reader is not ready at the first collection.
    intervals.begin(null);
    expect(intervals.row(undefined, 'old', undefined, 0).tokens_in).toBe(0);
    intervals.begin(new Map([['old', reader(9000)]]));
    expect(intervals.row(reader(9000), 'old', undefined, 0)).toMatchObject({ tokens_in: 0, cost_usd_total: 0.09 });
    intervals.begin(new Map([['old', reader(9500, 2)]]));
    expect(intervals.row(reader(9500, 2), 'old', undefined, 0)).toMatchObject({ tokens_in: 500, runs: 1 });
  });

  it('counts an agent the reader first holds later from zero, less what its events already counted', () => {
    const intervals = new UsageIntervals();
    intervals.begin(new Map());
    const first = { tokens_in: 4000, tokens_out: 400, cost_usd: 0.04, runs: 1 };
    expect(intervals.row(reader(4000), 'new', undefined, 0)).toMatchObject(first);
    const events = { tokens_in: 1000, tokens_out: 100, cost_usd: 0.01, tool_calls: 0, runs: 1 };
    expect(intervals.row(undefined, 'plugin', events, 0)).toMatchObject({ tokens_in: 1000, cost_usd_total: 0.01 });
    const rest = { tokens_in: 200, tokens_out: 20, runs: 1 };
    expect(intervals.row(reader(1200, 2), 'plugin', undefined, 0.01)).toMatchObject(rest);
  });

  it('starts a forgotten agent again from the reader totals, not from zero', () => {
    const intervals = new UsageIntervals();
    intervals.begin(new Map([['a', reader(1000)]]));
    intervals.row(reader(1000), 'a', undefined, 0);
    intervals.forget('a');
    expect(intervals.row(reader(3000), 'a', undefined, 0).tokens_in).toBe(0);
    expect(intervals.row(reader(3500), 'a', undefined, 0).tokens_in).toBe(500);
  });
});
