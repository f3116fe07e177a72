import { DataSource } from 'typeorm';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CollectionStopped, MetricsCollectorService } from '../src/metrics/metrics-collector.service';
import { MetricsRetentionService } from '../src/metrics/metrics-retention.service';
import { api, removeDirs, startApp, TestApp } from './support/app-harness';

const MIN = 60_000;
// Collections and events are timed explicitly (a controlled clock), so the scheduler must stay out of the way.
const QUIET = { MC_METRICS_INTERVAL: '3600' };

function post(t: TestApp, events: object[]) {
  return api(t.url, '/api/events/batch', { method: 'POST', json: { events } });
}

describe('Collections across a restart', () => {
  it('count an event stored after a collection but dated before it, once, even after a restart', async () => {
    const T = Math.floor((Date.now() - 30 * MIN) / 1000) * 1000;
    const first = await startApp({ fixture: false, env: QUIET });
    try {
      await first.app.get(MetricsCollectorService).collect(T);
      const late = {
        event_type: 'task_completed',
        agent_id: 'late',
        timestamp: new Date(T - MIN).toISOString(),
        data: { task_id: 'L1' },
      };
      expect((await post(first, [late])).status).toBe(201);
    } finally {
      await first.close();
    }
    const again = await startApp({ workspace: first.workspace, dataDir: first.dataDir, env: QUIET });
    try {
      const collector = again.app.get(MetricsCollectorService);
      const { agents } = await collector.collect(T + 5 * MIN);
      expect(agents.find((row) => row.agent_id === 'late')).toMatchObject({ tasks_completed: 1 });
      const next = await collector.collect(T + 10 * MIN);
      expect(next.agents.find((row) => row.agent_id === 'late')).toMatchObject({ tasks_completed: 1 });
    } finally {
      await again.close();
      await removeDirs(first.workspace, first.dataDir);
    }
  });
});

describe('Stopping during a collection', () => {
  it('ends the first collection after a start early, before the database closes, rather than failing on it', async () => {
    const t = await startApp({ fixture: false, env: QUIET });
    try {
      // The first collection after a start reads the task events of the last 24 hours, a page at a time.
      const since = Date.now() - 20 * 3_600_000;
      for (let batch = 0; batch < 100; batch++) {
        const events = Array.from({ length: 1_000 }, (_, i) => {
          const n = batch * 1_000 + i;
          return {
            event_type: 'task_started',
            agent_id: `agent-${n % 200}`,
            timestamp: new Date(since + n * 500).toISOString(),
            data: { task_id: `T${n}` },
          };
        });
        expect((await post(t, events)).status).toBe(201);
      }
      const collecting = t.app.get(MetricsCollectorService).collect();
      await t.close();
      await expect(collecting).rejects.toBeInstanceOf(CollectionStopped);
    } finally {
      await t.close();
      await removeDirs(t.workspace, t.dataDir);
    }
  });
});

describe('Derived metrics from a scripted sequence', () => {
  let t: TestApp;
  let collector: MetricsCollectorService;
  const T0 = Math.floor((Date.now() - 60 * MIN) / 1000) * 1000;
  const at = (minutes: number) => new Date(T0 + minutes * MIN).toISOString();

  beforeAll(async () => {
    t = await startApp({ fixture: false, env: QUIET });
    collector = t.app.get(MetricsCollectorService);
    await collector.collect(T0);
  });

  afterAll(async () => {
    await t.close();
    await removeDirs(t.workspace, t.dataDir);
  });

  it('derives each figure of the first window', async () => {
    await post(t, [
      { event_type: 'status_changed', agent_id: 'alpha', timestamp: at(0), data: { to: 'working' } },
      { event_type: 'task_started', agent_id: 'alpha', timestamp: at(1), data: { task_id: 'T1' } },
      { event_type: 'task_completed', agent_id: 'alpha', timestamp: at(2), data: { task_id: 'T1' } },
      { event_type: 'task_completed', agent_id: 'alpha', timestamp: at(3), data: { task_id: 'T2', duration: 30 } },
      { event_type: 'task_failed', agent_id: 'alpha', timestamp: at(4), data: { task_id: 'T3' } },
      { event_type: 'task_started', agent_id: 'alpha', timestamp: at(4), data: { task_id: 'T4' } },
      { event_type: 'status_changed', agent_id: 'alpha', timestamp: at(5), data: { status: 'standby' } },
      ...[1, 2, 3].map(() => ({
        event_type: 'message_sent',
        agent_id: 'alpha',
        timestamp: at(6),
        data: { response_time: 100 },
      })),
      ...[1, 2].map(() => ({
        event_type: 'message_received',
        agent_id: 'alpha',
        timestamp: at(6),
        data: { response_time: 400 },
      })),
      { event_type: 'error', timestamp: at(7), data: { message: 'disk full' } },
    ]);
    const { agents, system } = await collector.collect(T0 + 10 * MIN);
    const alpha = agents.find((row) => row.agent_id === 'alpha');
    expect(alpha).toMatchObject({
      timestamp: at(10),
      tasks_completed: 2,
      tasks_failed: 1,
      tasks_in_progress: 1,
      avg_task_duration: 45,
      total_work_time: 300,
      idle_time: 300,
      messages_sent: 3,
      messages_received: 2,
      error_rate: 1 / 3, // 1 failed of 3 finished
      success_rate: 2 / 3,
    });
    expect(system).toMatchObject({
      total_agents: 0,
      total_tasks_completed: 2,
      total_tasks_failed: 1,
      total_tasks_pending: 0,
      avg_response_time: 220,
      events_per_minute: 1.3, // 13 events in 10 minutes
      // No agents (online share 1), success 2 of 3, 11 of 13 events not errors (task_failed and error are):
      // 0.4 × 1 + 0.4 × 0.66667 + 0.2 × 0.84615 = 0.4 + 0.26667 + 0.16923 = 0.83590, rounded to three places
      system_health_score: 0.836,
    });
  });

  it('keeps running totals and carries the status into the next window', async () => {
    await post(t, [
      {
        event_type: 'task_completed',
        agent_id: 'alpha',
        timestamp: at(12),
        data: { task_id: 'T4', duration_ms: 2000 },
      },
    ]);
    const { agents, system } = await collector.collect(T0 + 20 * MIN);
    expect(agents.find((row) => row.agent_id === 'alpha')).toMatchObject({
      tasks_completed: 3,
      tasks_failed: 1,
      tasks_in_progress: 0,
      avg_task_duration: 2,
      total_work_time: 0,
      idle_time: 600,
      messages_sent: 0,
    });
    expect(system.events_per_minute).toBe(0.1);
  });

  it('answers period metrics from differences of totals and sums of intervals', async () => {
    const { status, body } = await api(t.url, '/api/agents/alpha/metrics?hours=24');
    expect(status).toBe(200);
    expect(body).toEqual({
      agent_id: 'alpha',
      period_hours: 24,
      tasks_completed: 3,
      tasks_failed: 1,
      avg_task_duration: 23.5,
      total_work_time: 300,
      idle_time: 900,
      messages_sent: 3,
      messages_received: 2,
      error_rate: 0.25,
      success_rate: 0.75,
      tokens_in: 0,
      tokens_out: 0,
      cost_usd: 0,
      tool_calls: 0,
      runs: 0,
    });
  });

  it('answers history oldest first, and 404 for an agent nobody knows', async () => {
    const { body } = await api(t.url, '/api/agents/alpha/history?hours=24');
    expect(body.agent_id).toBe('alpha');
    expect(
      body.history.map((p: { timestamp: string; tasks_completed: number }) => [p.timestamp, p.tasks_completed]),
    ).toEqual([
      [at(10), 2],
      [at(20), 3],
    ]);
    expect((await api(t.url, '/api/agents/nobody/history')).status).toBe(404);
    expect((await api(t.url, '/api/agents/nobody/metrics')).body).toMatchObject({
      error: 'Agent not found',
      status_code: 404,
    });
  });

  it('reads agent state counts when the state has them, and the state current tasks', async () => {
    await mkdir(join(t.mc, 'agents', 'beta'), { recursive: true });
    await writeFile(
      join(t.mc, 'agents', 'beta', 'state.json'),
      JSON.stringify({
        status: 'busy',
        lastActive: new Date().toISOString(),
        stats: { tasksCompleted: 40, tasksFailed: 10 },
        current_tasks: ['a', 'b'],
      }),
    );
    const deadline = Date.now() + 3000;
    while (!(await api(t.url, '/api/agents/beta')).body.id && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    // Events of an agent whose state has counts do not change those counts.
    await post(t, [{ event_type: 'task_completed', agent_id: 'beta', timestamp: at(25) }]);
    const { agents, system } = await collector.collect(T0 + 30 * MIN);
    expect(agents.find((row) => row.agent_id === 'beta')).toMatchObject({
      tasks_completed: 40,
      tasks_failed: 10,
      tasks_in_progress: 2,
      error_rate: 0.2,
      success_rate: 0.8,
    });
    expect(system).toMatchObject({
      total_agents: 1,
      active_agents: 1,
      total_tasks_completed: 43,
      total_tasks_failed: 11,
    });
  });
});

describe('History downsampling, system endpoints and Prometheus', () => {
  let t: TestApp;
  const T0 = Math.floor((Date.now() - 3 * 60 * MIN) / 3_600_000) * 3_600_000;

  beforeAll(async () => {
    t = await startApp({ env: { ...QUIET, MC_STALE_MINUTES: String(60 * 24 * 365 * 50) } });
    const collector = t.app.get(MetricsCollectorService);
    for (let minute = 0; minute < 60; minute++) await collector.collect(T0 + minute * MIN);
  });

  afterAll(async () => {
    await t.close();
    await removeDirs(t.workspace, t.dataDir);
  });

  it('returns every row without a step, and bucket averages with one', async () => {
    const raw = (await api(t.url, '/api/system/metrics?hours=24')).body.history;
    expect(raw).toHaveLength(60);
    const stepped = (await api(t.url, '/api/system/metrics?hours=24&step=10m')).body.history;
    expect(stepped).toHaveLength(6);
    expect(stepped[0]).toMatchObject({ timestamp: new Date(T0).toISOString(), total_agents: 6 });
    const agent = (await api(t.url, '/api/agents/forge/history?hours=24&step=1h')).body.history;
    expect(agent).toHaveLength(1);
    expect(agent[0]).toMatchObject({ timestamp: new Date(T0).toISOString(), tasks_completed: 7 });
  });

  it.each(['hours=0', 'hours=2161', 'hours=abc', 'step=5x', 'step=0m', 'step=1h30m'])(
    'rejects %s with 400 naming the parameter',
    async (query) => {
      const { status, body } = await api(t.url, `/api/system/metrics?${query}`);
      expect(status).toBe(400);
      expect(body.details[0].field).toBe(query.split('=')[0]);
    },
  );

  it('serves the office with positions on the shared floor plan and live figures', async () => {
    const { body } = await api(t.url, '/api/system/status');
    expect(body.office_state).toMatchObject({
      hour: 6,
      state: 'morning_briefing',
      zones: { conference: expect.objectContaining({ width: 30 }) },
    });
    expect(body.office_state.positions.scribe).toEqual({ x: 42.5, y: 61, zone: 'desk' });
    const { forge, maven } = body.office_state.positions;
    expect(forge.zone).toBe('conference');
    expect([forge.x, forge.y]).not.toEqual([maven.x, maven.y]);
    expect(body.metrics).toMatchObject({
      total_agents: 6,
      active_agents: 3,
      offline_agents: 3,
      total_tasks_pending: 2,
      last_collection: expect.any(String),
    });
  });

  it('runs a collection on request', async () => {
    const { status, body } = await api(t.url, '/api/system/metrics/collect', { method: 'POST' });
    expect(status).toBe(200);
    expect(body).toMatchObject({ agents: 6, system: { total_agents: 6 }, duration_ms: expect.any(Number) });
  });

  it('exposes the live figures in Prometheus text format', async () => {
    await api(t.url, '/api/events', { method: 'POST', json: { event_type: 'message_sent', agent_id: 'forge' } });
    const res = await fetch(`${t.url}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('mission_control_agents{status="active"} 3');
    expect(text).toContain('mission_control_tasks_pending 2');
    expect(text).toContain('mission_control_events_logged_total{type="message_sent"} 1');
    expect(text).toMatch(/mission_control_collection_duration_seconds_count \d+/);
    expect(text).toContain('mission_control_process_cpu_user_seconds_total');
  });
});

describe('Retention and rollup', () => {
  it('rolls old metric rows into hourly rows, deletes old events, and still answers long history', async () => {
    const t = await startApp({
      fixture: false,
      env: { ...QUIET, MC_METRICS_RETENTION: '1', MC_EVENTS_RETENTION: '2' },
    });
    try {
      const collector = t.app.get(MetricsCollectorService);
      const old = Math.floor((Date.now() - 3 * 24 * 60 * MIN) / 3_600_000) * 3_600_000;
      await post(t, [
        { event_type: 'task_completed', agent_id: 'gamma', timestamp: new Date(old).toISOString() },
        { event_type: 'message_sent', agent_id: 'gamma', timestamp: new Date(Date.now() - MIN).toISOString() },
      ]);
      for (let minute = 0; minute < 30; minute++) await collector.collect(old + minute * MIN);
      await collector.collect(Date.now());

      const [rawOfOldHour] = await t.app
        .get(DataSource)
        .createQueryBuilder()
        .select('*')
        .from('system_metrics', 's')
        .where('s.timestamp >= :from AND s.timestamp < :to', {
          from: new Date(old).toISOString(),
          to: new Date(old + 3_600_000).toISOString(),
        })
        .orderBy('s.timestamp')
        .limit(1)
        .getRawMany();
      const result = await t.app.get(MetricsRetentionService).prune();
      expect(result.hours_rolled_up).toBe(1);
      expect(result.events_deleted).toBe(1);

      const day = (await api(t.url, '/api/system/metrics?hours=24')).body.history;
      expect(day).toHaveLength(1);
      const long = (await api(t.url, '/api/system/metrics?hours=96')).body.history;
      expect(long.map((p: { timestamp: string }) => p.timestamp)).toEqual([
        new Date(old).toISOString(),
        expect.any(String),
      ]);
      const gamma = (await api(t.url, '/api/agents/gamma/history?hours=2160')).body.history;
      expect(gamma[0]).toMatchObject({ timestamp: new Date(old).toISOString(), tasks_completed: 1 });
      const events = (await api(t.url, '/api/system/events?agent_id=gamma')).body.events;
      expect(events.map((e: { type: string }) => e.type)).toEqual(['message_sent']);

      // A second prune finds nothing left to do.
      expect(await t.app.get(MetricsRetentionService).prune()).toEqual({
        hours_rolled_up: 0,
        events_deleted: 0,
        rollups_deleted: 0,
      });

      // The hour's first raw row turning up again after its rollup (a restored backup, say) replaces the rollup.
      const { id: _id, ...row } = rawOfOldHour;
      await t.app.get(DataSource).createQueryBuilder().insert().into('system_metrics').values(row).execute();
      expect((await t.app.get(MetricsRetentionService).prune()).hours_rolled_up).toBe(1);
      const again: { timestamp: string }[] = (await api(t.url, '/api/system/metrics?hours=96')).body.history;
      expect(
        again.filter((p) => p.timestamp < new Date(old + 3_600_000).toISOString()).map((p) => p.timestamp),
      ).toEqual([new Date(old).toISOString()]);
    } finally {
      await t.close();
      await removeDirs(t.workspace, t.dataDir);
    }
  });
});
