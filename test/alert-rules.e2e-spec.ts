import { api, removeDirs, startApp, TestApp, waitFor } from './support/app-harness';
import { alertsHarness, auth, TOKEN } from './support/alerts-harness';

describe('Alert rules over the API', () => {
  let t: TestApp;
  const h = alertsHarness(() => t);

  beforeAll(async () => {
    t = await startApp({ env: { MC_API_TOKEN: TOKEN, MC_METRICS_INTERVAL: '3600' } });
  });

  afterAll(async () => {
    await t?.close();
    await removeDirs(t?.workspace, t?.dataDir);
  });

  it('creates a rule with the defaults, lists, reads, changes and deletes it', async () => {
    const created = await h.rule({
      name: 'Forge offline',
      kind: 'agent_offline',
      params: { agent_id: 'forge', minutes: 10 },
    });
    expect(created).toEqual({
      id: expect.any(String),
      name: 'Forge offline',
      kind: 'agent_offline',
      params: { agent_id: 'forge', minutes: 10 },
      enabled: true,
      severity: 'warning',
      cooldown_minutes: 15,
      notify_resolved: true,
      channels: [],
      managed: 'api',
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect((await api(t.url, '/api/alerts/rules')).body.rules.map((r: { id: string }) => r.id)).toContain(created.id);
    expect((await api(t.url, `/api/alerts/rules/${created.id}`)).body).toEqual(created);
    const changed = await api(t.url, `/api/alerts/rules/${created.id}`, {
      method: 'PATCH',
      json: { params: { minutes: 30 }, severity: 'critical' },
      headers: auth,
    });
    expect(changed.body).toMatchObject({
      params: { minutes: 30 },
      severity: 'critical',
      name: 'Forge offline',
      enabled: true,
    });
    expect(
      (
        await api(t.url, `/api/alerts/rules/${created.id}`, {
          method: 'PATCH',
          json: { kind: 'cost_budget' },
          headers: auth,
        })
      ).body.details.map((d: { field: string }) => d.field),
    ).toEqual(['params.minutes', 'params.usd', 'params.window']);
    for (const field of ['name', 'kind', 'params', 'enabled', 'severity', 'cooldown_minutes', 'channels']) {
      const nulled = await api(t.url, `/api/alerts/rules/${created.id}`, {
        method: 'PATCH',
        json: { [field]: null },
        headers: auth,
      });
      expect([nulled.status, nulled.body.details?.[0].field]).toEqual([400, field]);
    }
    expect((await h.deleteRule(created.id)).body.id).toBe(created.id);
    expect((await api(t.url, `/api/alerts/rules/${created.id}`)).status).toBe(404);
    expect(
      (await api(t.url, '/api/alerts/rules', { method: 'POST', json: { name: 'x', kind: 'health' } })).status,
    ).toBe(401);
  });

  it.each([
    ['an unknown kind', { kind: 'moon_phase' }, ['kind']],
    ['missing params', { kind: 'agent_offline', params: {} }, ['params.minutes']],
    ['a wrong-typed param', { kind: 'agent_offline', params: { minutes: '10' } }, ['params.minutes']],
    ['an unknown param', { kind: 'agent_error', params: { agent: 'forge' } }, ['params.agent']],
    ['a bad agent id', { kind: 'agent_error', params: { agent_id: '../x' } }, ['params.agent_id']],
    [
      'a share over 1',
      { kind: 'error_rate', params: { above: 2, window_minutes: 10, min_tasks: 1 } },
      ['params.above'],
    ],
    ['a bad window', { kind: 'cost_budget', params: { usd: 1, window: 'year' } }, ['params.window']],
    [
      'a bad event type',
      { kind: 'event_count', params: { event_type: 'Bad Type', at_least: 1, window_minutes: 5 } },
      ['params.event_type'],
    ],
    ['params that are not an object', { kind: 'health', params: [1] }, ['params']],
    ['an unknown channel', { kind: 'health', channels: ['nowhere'] }, ['channels']],
    [
      'a bad severity and cooldown',
      { kind: 'health', severity: 'panic', cooldown_minutes: -1 },
      ['severity', 'cooldown_minutes'],
    ],
  ])('refuses a rule with %s (400 naming the field)', async (_what, fields, named) => {
    const { status, body } = await h.post('/api/alerts/rules', { name: 'bad', ...fields });
    expect(status).toBe(400);
    expect(body.details.map((d: { field: string }) => d.field)).toEqual(named);
    expect(body.error).toMatch(/^Invalid request: /);
  });

  it('resolves the firing alerts of a rule that is disabled', async () => {
    await h.writeAgent('broken', { status: 'failed', lastActive: new Date().toISOString() });
    await waitFor(async () => (await h.agentStatus('broken')) === 'error', 3000, 'broken in error');
    const rule = await h.rule({ name: 'Broken', kind: 'agent_error', params: { agent_id: 'broken' } });
    await waitFor(async () => (await h.alerts(rule.id))[0]?.state === 'firing', 3000, 'the alert');
    await api(t.url, `/api/alerts/rules/${rule.id}`, { method: 'PATCH', json: { enabled: false }, headers: auth });
    await h.settled();
    expect((await h.alerts(rule.id))[0]).toMatchObject({ state: 'resolved' });
  });

  it('documents the endpoints in the OpenAPI document', async () => {
    const doc = (await api(t.url, '/docs-json')).body;
    for (const path of [
      '/api/alerts',
      '/api/alerts/rules',
      '/api/alerts/rules/{id}',
      '/api/alerts/{id}/ack',
      '/api/notifications/webhooks',
      '/api/notifications/webhooks/{id}',
      '/api/notifications/webhooks/{id}/test',
      '/api/notifications/deliveries',
    ]) {
      expect(doc.paths[path]).toBeDefined();
    }
    expect(Object.keys(doc.paths['/api/alerts/rules'].post.requestBody.content['application/json'].examples)).toContain(
      'agent_offline',
    );
    expect(doc.components.schemas.CreateRuleDto.properties.kind.enum).toContain('cost_budget');
    expect(doc.components.schemas.EventCountParams.properties.event_type.example).toBe('task_failed');
    expect(Object.keys(doc.components.schemas.WebhookDto.properties)).toEqual(
      expect.arrayContaining(['has_secret', 'managed']),
    );
    expect(doc.components.schemas.WebhookDto.properties.secret).toBeUndefined();
  });
});
