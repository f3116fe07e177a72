import { formatDuration, statusLine, StatusSummary } from './status-line';

describe('status line', () => {
  const status = (state: StatusSummary['state'], reason?: string): StatusSummary => ({
    state,
    reason,
    started_at: '2026-12-07T10:00:00.000Z',
    counts: { agents: 2, agents_by_status: { active: 1, idle: 1, error: 0, offline: 0 }, tasks: 3, events_logged: 4 },
    workspace: { watching: true },
  });
  const started = new Date('2026-12-07T10:00:00.000Z');

  it('says running times as people do', () => {
    expect([0, 59_400, 60_000, 3_599_000, 3_600_000, 3_900_000, 86_400_000, 97_200_000].map(formatDuration)).toEqual([
      '0 s',
      '59 s',
      '1 min',
      '59 min',
      '1 h 0 min',
      '1 h 5 min',
      '1 d 0 h',
      '1 d 3 h',
    ]);
  });

  it('says since when it runs, and at the end how it stopped and for how long, or why it failed', () => {
    const later = started.getTime() + 3_900_000;
    expect(statusLine(status('running'), started, later)).toBe(
      'running since 2026-12-07T10:00:00.000Z: 2 agents (1 active, 1 idle, 0 error, 0 offline), 3 tasks, 4 events logged, workspace watched',
    );
    expect(statusLine(status('stopped', 'SIGTERM'), started, later)).toMatch(
      /^stopped by SIGTERM after 1 h 5 min, running since 2026-12-07T10:00:00\.000Z: 2 agents/,
    );
    expect(statusLine(status('stopped'), started, later)).toMatch(/^stopped after 1 h 5 min, running since/);
    expect(statusLine(status('failed', 'listen EADDRINUSE'), started, started.getTime() + 800)).toBe(
      'failed to start after 1 s: listen EADDRINUSE',
    );
  });
});
