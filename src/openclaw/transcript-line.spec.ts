import { epochMs, parseTranscriptLine } from './transcript-line';

const answer = (usage: unknown, timestamp: unknown = Date.now()) =>
  JSON.stringify({
    type: 'message',
    timestamp: new Date().toISOString(),
    message: { role: 'assistant', usage, stopReason: 'stop', timestamp },
  });

describe('transcript figures out of bounds (issue 29)', () => {
  const prices = new Map([['p/m', { input: 3, output: 15, cacheRead: 0, cacheWrite: 0 }]]);

  it('counts an answer within bounds', () => {
    const message = parseTranscriptLine(answer({ input: 1000, output: 10, cost: { total: 0.5 } }), prices);
    expect(message?.usage).toMatchObject({ input_tokens: 1000, output_tokens: 10, cost_usd: 0.5 });
    expect(message?.problem).toBeUndefined();
  });

  it.each([
    [{ input: 5, output: 5, cost: { total: 1e308 } }, 'usage cost 1e+308'],
    [{ input: 1e308, output: 5 }, 'usage.input 1e+308'],
    [{ input: 5, totalTokens: 2e9 }, 'usage.totalTokens 2000000000'],
  ])('counts nothing of an answer with %j, and says why', (usage, named) => {
    const message = parseTranscriptLine(answer(usage), prices);
    expect(message?.usage).toMatchObject({ input_tokens: 0, output_tokens: 0, total_tokens: 0, cost_usd: 0 });
    expect(message?.problem).toContain(named);
    expect(message?.stopReason).toBe('stop');
  });

  it('takes JSON numbers past a double (1e999) as out of bounds', () => {
    const line = answer({ input: 5, cost: { total: 0 } }).replace('"input":5', '"input":1e999');
    expect(parseTranscriptLine(line, prices)?.problem).toContain('usage.input Infinity');
  });

  it('uses no time out of range, and says so', () => {
    const message = parseTranscriptLine(answer({ input: 1 }, 1e308), prices);
    expect(message?.at).not.toBe(1e308);
    expect(message?.problem).toContain('timestamp 1e+308 is out of range');
    expect([epochMs('9999-01-01T00:00:00Z'), epochMs(1e308), epochMs(0), epochMs('1999-01-01T00:00:00Z')]).toEqual([
      null,
      null,
      null,
      null,
    ]);
    expect(epochMs(1_767_225_600)).toBe(1_767_225_600_000);
  });
});
