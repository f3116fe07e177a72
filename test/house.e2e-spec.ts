import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { api, makeTempDir, removeDirs, startApp, TestApp, waitFor } from './support/app-harness';

const OPENCLAW_HOME = join(__dirname, 'fixtures', 'openclaw', 'home-sqlite');

/** Honest answers (issue 31, item 8): unknown filter values, validation messages, the OpenAPI document, `type` for `event_type`. */
describe('Honest answers', () => {
  let t: TestApp;
  let home: string;

  beforeAll(async () => {
    home = await makeTempDir('mc-house-home-');
    await cp(OPENCLAW_HOME, home, { recursive: true });
    t = await startApp({ env: { MC_OPENCLAW_HOME: home, MC_OPENCLAW_POLL: '0.5' } });
    await waitFor(
      async () => (await api(t.url, '/api/sessions')).body.sessions.length > 0,
      10_000,
      'the OpenClaw sessions',
    );
  });

  afterAll(async () => {
    await t.close();
    await removeDirs(t.workspace, t.dataDir, home);
  });

  /** [path, parameter, every allowed value it must name] for each filter of a list with a closed set of values. */
  const closedFilters: [string, string, string[]][] = [
    ['/api/agents', 'status', ['active', 'idle', 'error', 'offline']],
    ['/api/tasks', 'status', ['pending', 'in_progress', 'review', 'completed', 'failed', 'cancelled']],
    ['/api/tasks', 'priority', ['P0', 'P1', 'P2', 'P3']],
    ['/api/sessions', 'status', ['queued', 'running', 'idle', 'done', 'failed', 'killed', 'timeout', 'interrupted']],
    ['/api/alerts', 'state', ['firing', 'resolved']],
    ['/api/notifications/deliveries', 'status', ['pending', 'delivered', 'failed']],
    ['/api/backups', 'type', ['full', 'agent_state', 'snapshot']],
    ['/api/usage', 'group_by', ['agent', 'model', 'day']],
  ];

  it.each(closedFilters)(
    'GET %s?%s= with an unknown value is a 400 naming every allowed value',
    async (path, name, allowed) => {
      const { status, body } = await api(t.url, `${path}?${name}=bogus`);
      expect(status).toBe(400);
      expect(body.details).toEqual([{ field: name, messages: [expect.any(String)] }]);
      for (const value of allowed) expect(body.details[0].messages[0]).toContain(value);
      expect(body.error).toBe(`Invalid request: ${body.details[0].messages[0]}`);
    },
  );

  it('a known value that nothing has is a 200 with an empty list; a value the data has filters', async () => {
    expect(await api(t.url, '/api/tasks?status=cancelled')).toMatchObject({ status: 200, body: { tasks: [] } });
    expect(await api(t.url, '/api/sessions?status=killed')).toMatchObject({ status: 200, body: { sessions: [] } });
    expect(await api(t.url, '/api/tasks?priority=P3')).toMatchObject({ status: 200, body: { tasks: [] } });
    const done = await api(t.url, '/api/sessions?status=done');
    expect(done.status).toBe(200);
    expect(done.body.sessions.length).toBeGreaterThan(0);
    expect(done.body.sessions.every((s: { status: string }) => s.status === 'done')).toBe(true);
    expect(
      (await api(t.url, '/api/tasks?status=in_progress')).body.tasks.map((task: { id: string }) => task.id),
    ).toEqual(['TASK-0001']);
  });

  it('a status or priority the task queue holds, though not a usual one, filters and is named among the allowed values', async () => {
    const file = join(t.mc, 'TASK_QUEUE.json');
    const queue = JSON.parse(await readFile(file, 'utf8'));
    queue.tasks[0].status = 'Blocked';
    queue.tasks[0].priority = 'someday';
    await writeFile(file, JSON.stringify(queue));
    const blocked = await waitFor(
      async () => {
        const answer = await api(t.url, '/api/tasks?status=blocked');
        return answer.status === 200 && answer.body.tasks.length === 1 && answer.body;
      },
      10_000,
      'the blocked task',
    );
    expect(blocked.tasks[0]).toMatchObject({ status: 'blocked', raw_status: 'Blocked' });
    expect((await api(t.url, '/api/tasks?priority=Someday')).body.tasks).toHaveLength(1);
    const bad = await api(t.url, '/api/tasks?status=bogus');
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].messages[0]).toMatch(/pending.*blocked/);
  });

  it.each([
    ['/api/sessions?limit=abc', 'limit'],
    ['/api/sessions?active_minutes=abc', 'active_minutes'],
    ['/api/sessions/agent%3Amain%3Amain/transcript?limit=abc', 'limit'],
    ['/api/system/events?limit=abc', 'limit'],
    ['/api/alerts?limit=abc', 'limit'],
    ['/api/notifications/deliveries?limit=abc', 'limit'],
    ['/api/system/metrics?hours=abc', 'hours'],
  ])('GET %s says what is wrong with %s once', async (path, name) => {
    const { status, body } = await api(t.url, path);
    expect(status).toBe(400);
    expect(body.details).toEqual([{ field: name, messages: [expect.stringMatching(new RegExp(`^${name} must be`))] }]);
    expect(body.error).toBe(`Invalid request: ${body.details[0].messages[0]}`);
  });

  describe('POST /api/events', () => {
    const post = (path: string, json: unknown) => api(t.url, path, { method: 'POST', json });

    it('takes type for event_type, as the stored event names it; event_type as before', async () => {
      const aliased = await post('/api/events', { type: 'deploy_done', agent_id: 'forge' });
      expect(aliased).toMatchObject({ status: 201, body: { type: 'deploy_done', agent_id: 'forge', data: {} } });
      const original = await post('/api/events', { event_type: 'deploy_done', agent_id: 'forge' });
      expect(original).toMatchObject({ status: 201, body: { type: 'deploy_done' } });
      expect(await post('/api/events', { type: 'same', event_type: 'same' })).toMatchObject({
        status: 201,
        body: { type: 'same' },
      });
      const batch = await post('/api/events/batch', { events: [{ type: 'one' }, { event_type: 'two' }] });
      expect(batch).toMatchObject({ status: 201, body: { stored: 2 } });
      const page = await api(t.url, '/api/system/events?limit=2');
      expect(page.body.events.map((e: { type: string }) => e.type)).toEqual(['two', 'one']);
    });

    it('refuses type and event_type that differ, and a bad type, naming the field, storing nothing', async () => {
      const before = (await api(t.url, '/api/system/events?limit=1000')).body.events.length;
      const both = await post('/api/events', { type: 'a', event_type: 'b' });
      expect(both.status).toBe(400);
      expect(both.body.details).toEqual([{ field: 'type', messages: [expect.stringContaining('event_type')] }]);
      const bad = await post('/api/events', { type: 'Not An Identifier' });
      expect(bad.status).toBe(400);
      expect(bad.body.details).toEqual([
        { field: 'type', messages: [expect.stringMatching(/^type must be a short identifier/)] },
      ]);
      const batch = await post('/api/events/batch', {
        events: [{ type: 'ok' }, { type: 7 }, { event_type: 'x', type: 'y' }],
      });
      expect(batch.status).toBe(400);
      expect(batch.body.invalid_indexes).toEqual([1, 2]);
      expect(batch.body.details.map((d: { field: string }) => d.field)).toEqual(['events.1.type', 'events.2.type']);
      expect(await post('/api/events', {})).toMatchObject({
        status: 400,
        body: { details: [{ field: 'event_type', messages: [expect.stringContaining('type')] }] },
      });
      expect((await api(t.url, '/api/system/events?limit=1000')).body.events.length).toBe(before);
    });
  });

  it('documents parameters with defaults as optional, with their defaults, and summaries as plain text', async () => {
    const { body: doc } = await api(t.url, '/docs-json');
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops as object).map(([method, op]) => ({ path, method, ...op })),
    );
    const defaulted = operations.flatMap((op) =>
      (op.parameters ?? [])
        .filter((p: { schema?: { default?: unknown } }) => p.schema?.default !== undefined)
        .map((p: { name: string; required: boolean }) => ({
          at: `${op.method} ${op.path} ${p.name}`,
          required: p.required,
        })),
    );
    expect(defaulted.length).toBeGreaterThanOrEqual(8);
    expect(defaulted.filter((p) => p.required)).toEqual([]);
    const usage = doc.paths['/api/usage'].get.parameters.find((p: { name: string }) => p.name === 'group_by');
    expect(usage).toMatchObject({ required: false, schema: { default: 'agent', enum: ['agent', 'model', 'day'] } });
    const sessionStatus = doc.paths['/api/sessions'].get.parameters.find((p: { name: string }) => p.name === 'status');
    expect(sessionStatus.schema.enum).toEqual([
      'queued',
      'running',
      'idle',
      'done',
      'failed',
      'killed',
      'timeout',
      'interrupted',
    ]);
    expect(
      operations.filter((op) => /`/.test(op.summary ?? '')).map((op) => `${op.method} ${op.path}: ${op.summary}`),
    ).toEqual([]);
  });
});
