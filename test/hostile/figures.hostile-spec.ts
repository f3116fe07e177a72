import { appendFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Database } from 'sqlite3';
import { GeneratedSession, OpenClawHome } from '../../src/demo/openclaw-generator';
import { api, removeDirs, waitFor } from '../support/app-harness';
import { databaseEnv, psql, testEngine } from '../support/test-database';
import { RawJson, toJson } from './support/hostile-values';
import { loggedErrors, makeFolders, RunningService, ServiceFolders, startService } from './support/service';

/**
 * Issue 29, defect 1: one huge figure broke metrics for good. Figures of 1e308 (and times in the year
 * 9999) from OpenClaw's transcripts, SQLite and legacy JSONL alike, and from the plugin's events over
 * HTTP, followed by three collections, Prometheus and a fleet cost budget; then a database left
 * poisoned by an older version, whose agent fails one collection while the others are stored.
 */
const HUGE = 1e308;
const REMOTE = 'remote-scout';

function sqlite(file: string, sql: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const db = new Database(file, (error) => {
      if (error) return reject(error);
      db.exec(sql, (execError) => db.close(() => (execError ? reject(execError) : resolve())));
    });
  });
}

/** Every sample of a Prometheus text, as [line, value]. */
const samples = (text: string) =>
  text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => [line, line.slice(line.lastIndexOf(' ') + 1)] as const);

/** The usage figures of a row that must always be finite numbers. */
function expectFinite(row: Record<string, unknown>, fields: string[], where: string): void {
  for (const field of fields) {
    const value = row[field];
    expect([where, field, typeof value === 'number' && Number.isFinite(value)]).toEqual([where, field, true]);
  }
}

const USAGE = ['tokens_in', 'tokens_out', 'cost_usd', 'cost_usd_total'];

describe('Huge figures from OpenClaw and from events (issue 29, defect 1)', () => {
  let f: ServiceFolders;
  let oc: OpenClawHome;
  let service: RunningService | undefined;
  let url: string;
  let atlasSession: GeneratedSession;
  let calmSession: GeneratedSession;

  const post = (path: string, body: unknown) =>
    api(url, path, { method: 'POST', body: toJson(body), headers: { 'content-type': 'application/json' } });
  const collect = async () => {
    const answer = await post('/api/system/metrics/collect', {});
    expect([answer.status, answer.status === 200 ? '' : loggedErrors(service!)]).toEqual([200, '']);
    return answer.body;
  };
  const health = async () => (await api(url, '/api/health')).body;
  const problems = async (): Promise<string[]> => (await health()).services.openclaw.problems;

  beforeAll(async () => {
    f = await makeFolders();
    await rm(f.openclawHome, { recursive: true, force: true });
    oc = await OpenClawHome.create(f.openclawHome, {
      agents: [
        { id: 'atlas', name: 'Atlas', layout: 'sqlite' },
        { id: 'ledger', name: 'Ledger', layout: 'legacy' },
        { id: 'calm', name: 'Calm', layout: 'sqlite' },
      ],
      configForm: 'list',
      json5: false,
    });
    const start = Date.now() - 3_600_000;
    atlasSession = oc.addSession('atlas', { at: start });
    for (let i = 0; i < 3; i++)
      oc.addRun(atlasSession, { at: start + i * 60_000, usage: { input: 1000, output: 100 } });
    const ledger = oc.addSession('ledger', { at: start });
    oc.addRun(ledger, { at: start, usage: { input: 1000, output: 100 } });
    oc.addRun(ledger, { at: start + 60_000, usage: { input: HUGE, output: 5 } });
    calmSession = oc.addSession('calm', { at: start });
    oc.addRun(calmSession, { at: start, usage: { input: 500, output: 50 } });
    await oc.flush();
    // A cost of 1e308 on atlas's last answer and a time of 1e308 on its first: read by SQLite's first summing up.
    const atlasDb = join(f.openclawHome, 'agents', 'atlas', 'agent', 'openclaw-agent.sqlite');
    const answers = `SELECT rowid FROM transcript_events WHERE json_extract(event_json, '$.message.role') = 'assistant' ORDER BY rowid`;
    await sqlite(
      atlasDb,
      `UPDATE transcript_events SET event_json = json_set(event_json, '$.message.usage.cost.total', 1e308) WHERE rowid = (${answers} DESC LIMIT 1);
       UPDATE transcript_events SET event_json = json_set(event_json, '$.message.timestamp', 1e308) WHERE rowid = (${answers} LIMIT 1);`,
    );
    // A legacy line with both a cost and a time of 1e308, read line by line.
    const line = {
      type: 'message',
      timestamp: new Date(start).toISOString(),
      message: {
        role: 'assistant',
        content: [],
        usage: { input: 5, output: 5, cost: { total: HUGE } },
        stopReason: 'stop',
        timestamp: HUGE,
        __openclaw: { runId: 'poisoned-legacy' },
      },
    };
    await appendFile(
      join(f.openclawHome, 'agents', 'ledger', 'sessions', `${ledger.sessionId}.jsonl`),
      `${JSON.stringify(line)}\n`,
    );
    service = await startService(f, { MC_OPENCLAW_POLL: '0.5' });
    url = service.url;
  });

  afterAll(async () => {
    await service?.process.stop();
    await oc?.close();
    await removeDirs(f?.base);
  });

  it('skips the OpenClaw answers out of bounds, reads the rest, and says so in health', async () => {
    await waitFor(
      async () => (await api(url, '/api/sessions')).body.sessions?.length === 3,
      30_000,
      'the three sessions',
    );
    const reported = await waitFor(
      async () => {
        const list = await problems();
        return list.some((p) => p.startsWith('atlas:')) && list.some((p) => p.startsWith('ledger:')) && list;
      },
      30_000,
      'problems for atlas and ledger',
    );
    expect(reported.join('\n')).toMatch(/out of bounds/);
    for (const session of (await api(url, '/api/sessions')).body.sessions) {
      expectFinite(session, ['input_tokens', 'output_tokens', 'total_tokens', 'cost_usd'], session.key);
      expect(session.cost_usd).toBeLessThan(1);
      expect(session.input_tokens).toBeLessThan(1e6);
      expect(session.last_activity_at === null || session.last_activity_at < '2100').toBe(true);
    }
    expect(['healthy', 'degraded']).toContain((await health()).status);
  });

  it('refuses events with figures or times out of bounds with a 400 naming the field, storing none', async () => {
    const usage = (data: Record<string, unknown>) => ({
      event_type: 'llm_usage',
      agent_id: REMOTE,
      data: { source: 'openclaw', provider: 'p', model: 'm', ...data },
    });
    for (const [event, field] of [
      [usage({ cost_usd: HUGE }), 'data.cost_usd'],
      [usage({ input_tokens: new RawJson('1e999') }), 'data.input_tokens'],
      [{ event_type: 'task_completed', agent_id: REMOTE, data: { task_id: 'x', duration: HUGE } }, 'data.duration'],
      [{ event_type: 'ok', agent_id: REMOTE, timestamp: '9999-01-01T00:00:00Z' }, 'timestamp'],
    ] as const) {
      const { status, body } = await post('/api/events', event);
      expect([field, status]).toEqual([field, 400]);
      expect(body.error).toContain(field);
    }
    const batch = [
      usage({ cost_usd: 1 }),
      usage({ cost_usd: HUGE }),
      usage({ output_tokens: HUGE }),
      { event_type: 'task_completed', agent_id: REMOTE, data: { task_id: 'y', duration_ms: '1e308' } },
      { event_type: 'ok', agent_id: REMOTE, timestamp: new Date(Date.now() + 2 * 86_400_000).toISOString() },
      usage({ cost_usd: -5 }),
      { event_type: 'message_sent', agent_id: REMOTE, data: { response_time: HUGE } },
    ];
    const { status, body } = await post('/api/events/batch', { events: batch });
    expect(status).toBe(400);
    expect(body.invalid_indexes).toEqual([1, 2, 3, 4, 5, 6]);
    for (const field of [
      'events.1',
      'data.cost_usd',
      'data.output_tokens',
      'data.duration_ms',
      'events.4.timestamp',
      'data.response_time',
    ])
      expect(body.error).toContain(field);
    expect((await api(url, `/api/system/events?agent_id=${REMOTE}`)).body.events).toEqual([]);
  });

  it('collects three times, with finite totals, a Prometheus text without NaN or Inf, and a budget rule that fires', async () => {
    const rule = await post('/api/alerts/rules', {
      name: 'Fleet spend',
      kind: 'cost_budget',
      params: { usd: 50, window: 'day' },
    });
    expect(rule.status).toBe(201);
    await collect();
    // After the first collection: the plugin's usage (two answers of $30, one run completed ten times) ...
    const events = [
      { event_type: 'task_started', agent_id: REMOTE, data: { task_id: 'run-1', source: 'openclaw' } },
      ...[1, 2].map(() => ({
        event_type: 'llm_usage',
        agent_id: REMOTE,
        data: {
          source: 'openclaw',
          provider: 'p',
          model: 'm',
          input_tokens: 1000,
          output_tokens: 100,
          cost_usd: 30,
          run_id: 'run-1',
        },
      })),
      ...Array.from({ length: 10 }, () => ({
        event_type: 'task_completed',
        agent_id: REMOTE,
        data: { task_id: 'run-1', duration_ms: 1000, source: 'openclaw' },
      })),
    ];
    expect((await post('/api/events/batch', { events })).status).toBe(201);
    // ... a good run of atlas, and an answer of calm's out of bounds, read row by row.
    oc.addRun(atlasSession, { usage: { input: 2000, output: 200 } });
    oc.addRun(calmSession, { usage: { input: 2e9, output: 1 } });
    await oc.flush();
    await waitFor(async () => (await problems()).some((p) => p.startsWith('calm:')), 30_000, 'a problem for calm');
    await collect();
    await collect();

    const remote = (await api(url, `/api/agents/${REMOTE}/metrics?hours=24`)).body;
    expect(remote).toMatchObject({ tasks_completed: 1, runs: 1, cost_usd: 60, tokens_in: 2000, tokens_out: 200 });
    const system = (await api(url, '/api/system/metrics?hours=1')).body.history;
    expect(system).toHaveLength(3);
    for (const row of system) expectFinite(row, USAGE, `system ${row.timestamp}`);
    for (const id of ['atlas', 'ledger', 'calm', REMOTE]) {
      const history = (await api(url, `/api/agents/${id}/history?hours=1`)).body.history;
      expect([id, history.length > 0]).toEqual([id, true]);
      for (const row of history) {
        expectFinite(row, USAGE, `${id} ${row.timestamp}`);
        expect(row.cost_usd_total).toBeLessThan(1000);
      }
    }
    const atlas = (await api(url, '/api/agents/atlas/metrics?hours=1')).body;
    expect(atlas.tokens_in).toBe(2000);
    expect((await api(url, '/api/agents/calm/metrics?hours=1')).body.tokens_in).toBe(0);

    const usage = (await api(url, '/api/usage?group_by=agent')).body;
    for (const row of [...usage.rows, usage.total]) {
      expectFinite(row, ['input_tokens', 'output_tokens', 'total_tokens', 'cost_usd'], `usage ${row.key ?? 'total'}`);
      expect(row.input_tokens).toBeLessThan(1e6);
    }

    const text = (await api(url, '/metrics')).body as string;
    const bad = samples(text).filter(([, value]) => !Number.isFinite(Number(value)));
    expect(bad).toEqual([]);
    expect(text).toContain(`mission_control_cost_usd_total{agent="${REMOTE}",model="p/m"} 60`);

    const alerts = (await api(url, `/api/alerts?rule_id=${rule.body.id}`)).body.alerts;
    expect(alerts[0]).toMatchObject({ state: 'firing' });
    expect(alerts[0].value).toBeGreaterThanOrEqual(60);
    const after = await health();
    expect(after.services.metrics).toMatchObject({ status: 'up' });
  });

  it('isolates an agent whose stored total an older version left infinite: the others are stored, health says degraded, the next collection succeeds', async () => {
    await service!.process.stop();
    service = undefined;
    const poison = `UPDATE agent_metrics SET cost_usd_total = ${testEngine === 'postgres' ? "'Infinity'" : '9e999'} WHERE agent_id = '${REMOTE}'`;
    if (testEngine === 'postgres') psql(databaseEnv(f.dataDir).MC_DATABASE_URL, poison);
    else await sqlite(join(f.dataDir, 'metrics.db'), poison);
    service = await startService(f, { MC_OPENCLAW_POLL: '0.5' });
    url = service.url;
    await waitFor(
      async () => (await api(url, '/api/sessions')).body.sessions?.length === 3,
      30_000,
      'the three sessions',
    );
    expect(
      (
        await post('/api/events', {
          event_type: 'llm_usage',
          agent_id: REMOTE,
          data: { source: 'openclaw', cost_usd: 2, input_tokens: 10 },
        })
      ).status,
    ).toBe(201);

    const failed = await collect();
    const degraded = await health();
    expect(degraded.status).toBe('degraded');
    expect(degraded.services.metrics).toMatchObject({ status: 'down', message: expect.stringContaining(REMOTE) });
    const at = failed.system.timestamp;
    for (const id of ['atlas', 'ledger', 'calm']) {
      const history = (await api(url, `/api/agents/${id}/history?hours=1`)).body.history;
      expect([id, history.at(-1).timestamp]).toEqual([id, at]);
    }
    expect((await api(url, `/api/agents/${REMOTE}/history?hours=1`)).body.history.at(-1).timestamp).not.toBe(at);

    expect(
      (
        await post('/api/events', {
          event_type: 'llm_usage',
          agent_id: REMOTE,
          data: { source: 'openclaw', cost_usd: 3, input_tokens: 10 },
        })
      ).status,
    ).toBe(201);
    const next = await collect();
    const last = (await api(url, `/api/agents/${REMOTE}/history?hours=1`)).body.history.at(-1);
    expect(last).toMatchObject({ timestamp: next.system.timestamp, cost_usd: 3, cost_usd_total: 3 });
    const healthy = await health();
    expect(healthy.services.metrics).toMatchObject({ status: 'up' });
    expect(healthy.status).toBe('healthy');
    expectFinite(next.system, USAGE, 'system');
  });
});
