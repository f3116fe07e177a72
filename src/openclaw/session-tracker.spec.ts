import { SessionMeta, SessionTracker } from './session-tracker';
import { parseTranscriptLine } from './transcript-line';

const meta = (overrides: Partial<SessionMeta> = {}): SessionMeta => ({
  key: 'agent:main:main',
  agentId: 'main',
  sessionId: 's1',
  status: null,
  provider: 'fake',
  model: 'm1',
  startedAt: 0,
  updatedAt: 0,
  endedAt: null,
  lastActivityAt: null,
  parentKey: null,
  spawnedBy: null,
  abortedLastRun: false,
  lastRunUsage: null,
  ...overrides,
});
const prices = new Map();
/** Transcript times are epoch ms; small numbers would read as seconds. */
const T0 = Date.parse('2026-11-27T00:00:00Z');
const line = (message: Record<string, unknown>) =>
  parseTranscriptLine(JSON.stringify({ type: 'message', message }), prices)!;
const user = (at: number) => line({ role: 'user', content: 'hi', timestamp: at });
const answer = (at: number, runId: string, stopReason = 'stop', input = 100) =>
  line({
    role: 'assistant',
    content: [{ type: 'text', text: 'ok' }],
    provider: 'fake',
    model: 'm1',
    stopReason,
    timestamp: at,
    __openclaw: { runId },
    usage: { input, output: 10, cacheRead: 5, cacheWrite: 0, totalTokens: input + 15, cost: { total: input / 1e6 } },
  });

describe('SessionTracker', () => {
  it('adds every answer of every run, and knows how the last run ended', () => {
    const t = new SessionTracker(meta());
    t.add('s1', 0, user(T0 + 1_000));
    t.add('s1', 1, answer(T0 + 2_000, 'r1', 'toolUse'));
    t.add(
      's1',
      2,
      line({ role: 'toolResult', toolName: 'read', isError: true, timestamp: T0 + 2_100, __openclaw: { runId: 'r1' } }),
    );
    t.add('s1', 3, answer(T0 + 3_000, 'r1'));
    t.add('s1', 4, user(T0 + 4_000));
    t.add('s1', 5, answer(T0 + 5_000, 'r2', 'error', 0));
    const view = t.view(T0 + 6_000, 60_000);
    expect(view).toMatchObject({
      input_tokens: 200,
      output_tokens: 30,
      cache_read_tokens: 15,
      total_tokens: 245,
      run_count: 2,
      failed_runs: 1,
      status: 'failed',
      stuck: false,
    });
    expect(view.cost_usd).toBeCloseTo(0.0002, 12);
    expect([t.toolCalls, t.toolErrors]).toEqual([1, 1]);
    expect([...t.buckets.values()].map((b) => [b.day, b.model, b.runs])).toEqual([['2026-11-27', 'fake/m1', 2]]);
  });

  it('is stuck only while a run is in progress and silent for longer than the limit, on the clock it is given', () => {
    const t = new SessionTracker(meta());
    t.add('s1', 0, user(T0));
    expect(t.view(T0 + 60_000, 60_000)).toMatchObject({ status: 'running', stuck: false });
    expect(t.view(T0 + 60_001, 60_000)).toMatchObject({ status: 'running', stuck: true });
    t.add('s1', 1, answer(T0 + 70_000, 'r1'));
    expect(t.view(T0 + 10_000_000, 60_000)).toMatchObject({ status: 'idle', stuck: false });
  });

  it("prefers OpenClaw's stored status once no run is in progress, and falls back to the entry's figures without a transcript", () => {
    const last = {
      input_tokens: 7,
      output_tokens: 1,
      cache_read_tokens: 0,
      cache_write_tokens: 0,
      total_tokens: 8,
      cost_usd: 0.5,
    };
    const t = new SessionTracker(meta({ status: 'done', lastRunUsage: last }));
    expect(t.view(T0, 1)).toMatchObject({ status: 'done', input_tokens: 7, cost_usd: 0.5 });
    t.add('s1', 0, user(T0));
    expect(t.view(T0 + 2, 1000).status).toBe('running');
    t.reset();
    expect(t.view(T0, 1)).toMatchObject({ status: 'done', input_tokens: 7, run_count: 0 });
  });
});

describe('parseTranscriptLine', () => {
  it('ignores lines that are not messages, and malformed ones', () => {
    expect(parseTranscriptLine('{"type":"custom"}', prices)).toBeNull();
    expect(parseTranscriptLine('not json', prices)).toBeNull();
    expect(parseTranscriptLine('{"type":"message","message":{"role":5}}', prices)).toBeNull();
  });

  it('prices an answer whose usage has no cost from openclaw.json', () => {
    const priced = new Map([['fake/m1', { input: 3, output: 15, cacheRead: 0, cacheWrite: 0 }]]);
    const m = parseTranscriptLine(
      JSON.stringify({
        type: 'message',
        message: { role: 'assistant', provider: 'fake', model: 'm1', usage: { input: 1000, output: 100 } },
      }),
      priced,
    )!;
    expect(m.usage!.cost_usd).toBeCloseTo(0.0045, 12);
    expect(m.usage!.total_tokens).toBe(1100);
  });
});
