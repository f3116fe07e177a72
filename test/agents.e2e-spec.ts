import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { api, removeDirs, startApp, TestApp, waitFor } from './support/app-harness';

describe('Agents API', () => {
  let t: TestApp;

  beforeAll(async () => {
    // Fixture timestamps are from 2026-02; a long stale window keeps their written status.
    t = await startApp({ env: { MC_STALE_MINUTES: String(60 * 24 * 365 * 50) } });
  });

  afterAll(async () => {
    await t.close();
    await removeDirs(t.workspace, t.dataDir);
  });

  it('lists every agent folder, normalised', async () => {
    const { status, body } = await api(t.url, '/api/agents');
    expect(status).toBe(200);
    expect(body.agents.map((a: { id: string }) => a.id)).toEqual([
      'empty-one',
      'forge',
      'maven',
      'onboarding-bot',
      'scribe',
      'watchtower',
    ]);
    const forge = body.agents.find((a: { id: string }) => a.id === 'forge');
    expect(forge).toEqual({
      id: 'forge',
      name: 'forge',
      codename: 'The Smith',
      role: null,
      status: 'active',
      raw_status: 'operational',
      current_tasks: ['Design dashboard UI'],
      tasks_completed: 7,
      tasks_failed: 0,
      last_active: '2026-02-17T00:46:00.000Z',
      metrics: { tasks_completed: 7, tasks_failed: 0, tasks_in_progress: 2, error_rate: 0, success_rate: 1 },
      sources: ['workspace'],
      model: null,
      emoji: null,
    });
    expect(forge.state).toBeUndefined();
  });

  it('reads snake_case stats, string counts, upper-case statuses and task objects', async () => {
    const { body } = await api(t.url, '/api/agents/scribe');
    expect(body).toMatchObject({
      name: 'Scribe',
      role: 'Writer',
      status: 'active',
      raw_status: 'BUSY',
      tasks_completed: 12,
      tasks_failed: 3,
      current_tasks: ['Draft launch post', 'Edit newsletter'],
      metrics: { error_rate: 0.2, success_rate: 0.8, tasks_in_progress: 2 },
    });
    expect(body.state.mood).toBe('focused');
  });

  it('falls back to agent.json, the SOUL.md heading and the folder name', async () => {
    const onboarding = (await api(t.url, '/api/agents/onboarding-bot')).body;
    expect(onboarding).toMatchObject({
      name: 'onboarding-bot',
      role: 'Demonstration agent for onboarding flow',
      status: 'active',
      tasks_completed: 3,
      tasks_failed: 1,
    });
    // metrics.last_active is null, so the file's modification time dates the agent.
    expect(Date.now() - Date.parse(onboarding.last_active)).toBeLessThan(60 * 60_000);

    const maven = (await api(t.url, '/api/agents/maven')).body;
    expect(maven).toMatchObject({
      name: 'Maven',
      role: 'Marketing Lead',
      status: 'offline',
      raw_status: null,
      last_active: null,
      state: {},
    });

    const empty = (await api(t.url, '/api/agents/empty-one')).body;
    expect(empty).toMatchObject({
      id: 'empty-one',
      name: 'empty-one',
      status: 'offline',
      current_tasks: [],
      tasks_completed: 0,
    });

    const watchtower = (await api(t.url, '/api/agents/watchtower')).body;
    expect(watchtower).toMatchObject({ status: 'offline', raw_status: null });
    expect(watchtower.state.sessions.total).toBe(12);
  });

  it('filters by status, in any case', async () => {
    const active = (await api(t.url, '/api/agents?status=ACTIVE')).body.agents.map((a: { id: string }) => a.id);
    expect(active).toEqual(['forge', 'onboarding-bot', 'scribe']);
    const offline = (await api(t.url, '/api/agents?status=offline')).body.agents.map((a: { id: string }) => a.id);
    expect(offline).toEqual(['empty-one', 'maven', 'watchtower']);
  });

  it('answers 404 with the error shape for an unknown agent', async () => {
    const { status, body } = await api(t.url, '/api/agents/nobody');
    expect(status).toBe(404);
    expect(body).toMatchObject({
      error: 'Agent not found',
      status_code: 404,
      agent_id: 'nobody',
      path: '/api/agents/nobody',
    });
  });

  it.each([
    ['traversal', '/api/agents/..%2F..%2Fetc'],
    ['leading dot', '/api/agents/.hidden'],
    ['over-long', `/api/agents/${'a'.repeat(129)}`],
    ['NUL byte', '/api/agents/a%00b'],
    ['bad status', '/api/agents?status=sleeping'],
  ])('rejects a %s parameter with 400 naming the field', async (_name, path) => {
    const { status, body } = await api(t.url, path);
    expect(status).toBe(400);
    expect(body.status_code).toBe(400);
    expect(body.details[0].field).toMatch(/^(id|status)$/);
    expect(body.error).toMatch(/id must be an agent id|status must be one of/);
  });

  it('rejects a raw dot-dot segment that a browser would have normalised away', async () => {
    const { request } = await import('node:http');
    const { port } = new URL(t.url);
    const status = await new Promise<number>((resolve, reject) =>
      request(
        { host: '127.0.0.1', port, path: '/api/agents/..' },
        (res) => (res.resume(), resolve(res.statusCode ?? 0)),
      )
        .on('error', reject)
        .end(),
    );
    expect(status).toBe(400);
  });

  it('never follows a state.json link out of the workspace', async () => {
    const outside = join(t.dataDir, 'secret.json');
    await writeFile(outside, JSON.stringify({ status: 'active', name: 'LEAKED' }));
    const { symlink, mkdir } = await import('node:fs/promises');
    await mkdir(join(t.mc, 'agents', 'linker'));
    await symlink(outside, join(t.mc, 'agents', 'linker', 'state.json'));
    const agent = await waitFor(
      async () => (await api(t.url, '/api/agents/linker')).body.id && (await api(t.url, '/api/agents/linker')).body,
    );
    expect(agent.name).toBe('linker');
    expect(JSON.stringify(agent)).not.toContain('LEAKED');
    await rm(join(t.mc, 'agents', 'linker'), { recursive: true });
  });
});
