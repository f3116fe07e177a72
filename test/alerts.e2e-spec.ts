import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { alertsHarness, MIN, TOKEN } from './support/alerts-harness';
import { api, makeTempDir, removeDirs, startApp, TestApp, waitFor } from './support/app-harness';
import { WebhookReceiver } from './support/webhook-receiver';
import { TestSocket } from './support/ws-client';

describe('Alert kinds: each fires and resolves from its real cause', () => {
  // An app each: the alert clock never goes back, and most of these move it ahead of the real one.
  let t: TestApp | undefined;
  const h = alertsHarness(() => t!);
  const firing = async (ruleId: string) =>
    waitFor(
      async () => (await h.alerts(ruleId)).find((a: { state: string }) => a.state === 'firing'),
      5000,
      `rule ${ruleId} to fire`,
    );
  const resolved = async (ruleId: string) =>
    waitFor(
      async () => {
        const list = await h.alerts(ruleId);
        return list.length && list.every((a: { state: string }) => a.state === 'resolved') ? list : undefined;
      },
      5000,
      `rule ${ruleId} to resolve`,
    );

  /** An empty fleet; with no mission-control folder at all, the service starts degraded (the health test's cause). */
  const start = async (folder = true) => {
    const workspace = await makeTempDir('mc-ws-');
    if (folder) await mkdir(join(workspace, 'mission-control', 'agents'), { recursive: true });
    return (t = await startApp({ workspace, env: { MC_API_TOKEN: TOKEN, MC_METRICS_INTERVAL: '3600' } }));
  };

  afterEach(async () => {
    await t?.close();
    await removeDirs(t?.workspace, t?.dataDir);
    t = undefined;
  });

  it('health: fires while the service is degraded, resolves at the first collection once it is healthy', async () => {
    const t = await start(false);
    // A new rule is evaluated at once.
    const rule = await h.rule({ name: 'Service health', kind: 'health', severity: 'critical' });
    const alert = await firing(rule.id);
    expect(alert).toMatchObject({
      subject: 'fleet',
      severity: 'critical',
      value: null,
      message: expect.stringContaining('Mission Control is degraded: workspace down'),
    });
    await mkdir(join(t.mc, 'agents'), { recursive: true });
    await waitFor(
      async () => (await api(t.url, '/api/health')).body.status === 'healthy',
      10_000,
      'the service to be healthy',
    );
    await h.collectAt(Date.now());
    expect((await resolved(rule.id))[0]).toMatchObject({ id: alert.id, resolved_at: expect.any(String) });
    await h.deleteRule(rule.id);
  });

  it('agent_offline: fires once the agent has been offline longer than the minutes, on the collection clock', async () => {
    await start();
    const T = Date.now();
    await h.writeAgent('scout', { status: 'offline', lastActive: new Date(T).toISOString() });
    await waitFor(async () => (await h.agentStatus('scout')) === 'offline', 3000, 'scout offline');
    const rule = await h.rule({
      name: 'Scout offline',
      kind: 'agent_offline',
      params: { agent_id: 'scout', minutes: 5 },
    });
    await h.collectAt(T + 3 * MIN);
    expect(await h.alerts(rule.id)).toEqual([]);
    await h.collectAt(T + 6 * MIN);
    const alert = await firing(rule.id);
    expect(alert).toMatchObject({
      subject: 'agent:scout',
      severity: 'warning',
      message: 'scout has been offline for 6 minutes',
    });
    expect(alert.value).toBeCloseTo(6, 0);
    await h.writeAgent('scout', { status: 'active', lastActive: new Date().toISOString() });
    await resolved(rule.id);
    await h.deleteRule(rule.id);
  });

  it('agent_error: fires when the agent reports an error, resolves when it recovers', async () => {
    await start();
    const rule = await h.rule({
      name: 'Crashy in error',
      kind: 'agent_error',
      params: { agent_id: 'crashy' },
      severity: 'critical',
    });
    await h.writeAgent('crashy', { status: 'crashed', lastActive: new Date().toISOString() });
    expect(await firing(rule.id)).toMatchObject({ subject: 'agent:crashy', message: 'crashy is in error (crashed)' });
    await h.writeAgent('crashy', { status: 'working', lastActive: new Date().toISOString() });
    await resolved(rule.id);
    await h.deleteRule(rule.id);
  });

  it('cost_budget: fires when llm_usage events push the UTC day over the budget, resolves in the next day', async () => {
    await start();
    const rule = await h.rule({
      name: 'Spender budget',
      kind: 'cost_budget',
      params: { agent_id: 'spender', usd: 5, window: 'day' },
    });
    const fleetRule = await h.rule({
      name: 'Fleet budget',
      kind: 'cost_budget',
      params: { usd: 100, window: 'month' },
    });
    const usage = {
      event_type: 'llm_usage',
      agent_id: 'spender',
      data: {
        source: 'openclaw',
        provider: 'anthropic',
        model: 'claude',
        input_tokens: 1000,
        output_tokens: 100,
        cost_usd: 3,
      },
    };
    expect((await h.post('/api/events/batch', { events: [usage, usage] })).status).toBe(201);
    const now = Date.now();
    await h.collectAt(now);
    expect(await firing(rule.id)).toMatchObject({
      subject: 'agent:spender',
      value: 6,
      message: 'spender spent $6.00 today (UTC), over the budget of $5',
    });
    expect(await h.alerts(fleetRule.id)).toEqual([]);
    const nextDay = Math.ceil(now / 86_400_000) * 86_400_000 + MIN;
    await h.collectAt(nextDay);
    await resolved(rule.id);
    await h.deleteRule(rule.id);
    await h.deleteRule(fleetRule.id);
  });

  it('error_rate: fires once enough tasks ended with too many failures, resolves when the window moves on', async () => {
    await start();
    const rule = await h.rule({
      name: 'Worker failures',
      kind: 'error_rate',
      params: { agent_id: 'worker', above: 0.5, window_minutes: 10, min_tasks: 4 },
    });
    const task = (type: string, i: number) => ({ event_type: type, agent_id: 'worker', data: { task_id: `T${i}` } });
    await h.post('/api/events/batch', {
      events: [task('task_completed', 1), task('task_failed', 2), task('task_failed', 3)],
    });
    await h.settled();
    expect(await h.alerts(rule.id)).toEqual([]);
    await h.post('/api/events', task('task_failed', 4));
    expect(await firing(rule.id)).toMatchObject({
      subject: 'agent:worker',
      value: 0.75,
      message: 'worker: 3 of 4 tasks failed in the last 10 minutes (75 %, above 50 %)',
    });
    await h.collectAt(Date.now() + 11 * MIN);
    await resolved(rule.id);
    await h.deleteRule(rule.id);
  });

  it('event_count: fires at the Nth event of a type in the window, resolves when the window moves on', async () => {
    await start();
    const rule = await h.rule({
      name: 'OOM kills',
      kind: 'event_count',
      params: { event_type: 'oom_killed', at_least: 3, window_minutes: 15 },
    });
    const oom = { event_type: 'oom_killed', agent_id: 'worker' };
    await h.post('/api/events/batch', { events: [oom, oom] });
    await h.settled();
    expect(await h.alerts(rule.id)).toEqual([]);
    await h.post('/api/events', oom);
    expect(await firing(rule.id)).toMatchObject({ subject: 'fleet', value: 3 });
    await h.collectAt(Date.now() + 16 * MIN);
    await resolved(rule.id);
    await h.deleteRule(rule.id);
  });

  it('no_backup and backup_failed: fire from time passing and from a backup that fails verification; a good backup resolves them', async () => {
    const t = await start();
    const none = await h.rule({ name: 'No backup', kind: 'no_backup', params: { hours: 1 } });
    const failed = await h.rule({ name: 'Backup failed', kind: 'backup_failed' });
    await h.collectAt(Date.now() + 2 * 60 * MIN);
    expect(await firing(none.id)).toMatchObject({
      subject: 'fleet',
      message: expect.stringMatching(/^No verified full backup since the service started 2 hours ago/),
    });
    const backup = (await h.post('/api/backups', { type: 'full' })).body;
    expect(backup.status).toBe('verified');
    await resolved(none.id);
    expect(await h.alerts(failed.id)).toEqual([]);

    const backups = join(t.dataDir, 'backups');
    const file = (await readdir(backups)).find((name) => name.includes(backup.id))!;
    await writeFile(join(backups, file), 'not an archive any more');
    expect((await h.post(`/api/backups/${backup.id}/verify`, {})).body.valid).toBe(false);
    expect(await firing(failed.id)).toMatchObject({
      subject: 'fleet',
      message: expect.stringMatching(/^A backup failed verification: /),
    });
    await h.post('/api/backups', { type: 'full' });
    await resolved(failed.id);
    await h.deleteRule(none.id);
    await h.deleteRule(failed.id);
  });
});

describe('Alert lifecycle: one notification per change, cooldown, acknowledgement, realtime', () => {
  let t: TestApp;
  let socket: TestSocket;
  const receivers: WebhookReceiver[] = [];
  const h = alertsHarness(() => t);

  /** A receiver and a channel of the test's own: each test counts only its own notifications. */
  const ownChannel = async () => {
    const r = await WebhookReceiver.start();
    receivers.push(r);
    const channel = (await h.post('/api/notifications/webhooks', { name: `Ops ${receivers.length}`, url: r.url })).body;
    return { r, channel };
  };
  const firingGauge = async (severity: string) =>
    Number(
      ((await api(t.url, '/metrics')).body as string).match(
        new RegExp(`^mission_control_alerts_firing\\{severity="${severity}"\\} (\\d+)$`, 'm'),
      )?.[1] ?? 0,
    );

  beforeAll(async () => {
    t = await startApp({ env: { MC_API_TOKEN: TOKEN, MC_METRICS_INTERVAL: '3600' } });
    socket = await TestSocket.open(`${t.wsUrl}?token=${TOKEN}`);
  });

  afterAll(async () => {
    socket?.close();
    await t?.close();
    await Promise.all(receivers.map((r) => r.close()));
    await removeDirs(t?.workspace, t?.dataDir);
  });

  it('notifies each change once, and does not open a new alert for a flapping agent until the cooldown has passed', async () => {
    const { r, channel } = await ownChannel();
    const rule = await h.rule({
      name: 'Flappy in error',
      kind: 'agent_error',
      params: { agent_id: 'flappy' },
      severity: 'critical',
      cooldown_minutes: 10,
      channels: [channel.id],
    });
    const events = () => r.received.map((x) => x.json.event);
    const alertsNow = async () =>
      (await h.alerts(rule.id)).map((a: { id: number; state: string }) => ({ id: a.id, state: a.state }));

    await h.writeAgent('flappy', { status: 'error', lastActive: new Date().toISOString() });
    await r.waitFor(1);
    const [first] = await alertsNow();
    expect(first.state).toBe('firing');
    // Still in error, in other words: the same alert (same id), no new notification.
    await h.writeAgent('flappy', { status: 'crashed', lastActive: new Date().toISOString() });
    await waitFor(
      async () => (await api(t.url, '/api/agents/flappy')).body.raw_status === 'crashed',
      3000,
      'the new state',
    );
    await h.settled();
    expect(await alertsNow()).toEqual([{ id: first.id, state: 'firing' }]);

    await h.writeAgent('flappy', { status: 'active', lastActive: new Date().toISOString() });
    await r.waitFor(2);
    expect(await alertsNow()).toEqual([{ id: first.id, state: 'resolved' }]);
    // Back in error within the cooldown: nothing new.
    await h.writeAgent('flappy', { status: 'error', lastActive: new Date().toISOString() });
    await waitFor(async () => (await h.agentStatus('flappy')) === 'error', 3000, 'flappy in error again');
    await h.settled();
    expect(await alertsNow()).toEqual([{ id: first.id, state: 'resolved' }]);
    // Ten minutes later on the collection clock, it is news again: a new alert.
    await h.collectAt(Date.now() + 11 * MIN);
    await r.waitFor(3);
    const [second, ...rest] = await alertsNow();
    expect(rest).toEqual([{ id: first.id, state: 'resolved' }]);
    expect(second.state).toBe('firing');
    expect(second.id).toBeGreaterThan(first.id);
    expect(events()).toEqual(['fired', 'resolved', 'fired']);
    expect(r.received.map((x) => x.json.alert.id)).toEqual([first.id, first.id, second.id]);
    const deliveries = (await api(t.url, `/api/notifications/deliveries?channel_id=${channel.id}`)).body.deliveries;
    expect(deliveries.map((d: { event: string }) => d.event)).toEqual(['fired', 'resolved', 'fired']);

    const logged = async (type: string) =>
      (await api(t.url, `/api/system/events?type=${type}&agent_id=flappy`)).body.events;
    expect(await logged('alert_fired')).toHaveLength(2);
    expect((await logged('alert_resolved'))[0].data).toMatchObject({
      rule_id: rule.id,
      subject: 'agent:flappy',
      severity: 'critical',
    });

    const updates = socket.messages.filter((m) => m.type === 'alert_update' && m.data.rule_id === rule.id);
    expect(updates.map((m) => m.data.change)).toEqual(['fired', 'resolved', 'fired']);
    const toasts = socket.messages.filter((m) => m.type === 'notification' && m.data.data?.rule_id === rule.id);
    expect(toasts.map((m) => [m.data.title, m.data.level])).toEqual([
      ['Alert: Flappy in error', 'error'],
      ['Alert resolved: Flappy in error', 'success'],
      ['Alert: Flappy in error', 'error'],
    ]);
    expect(toasts[0].data).toMatchObject({
      message: 'flappy is in error (error)',
      data: { agent_id: 'flappy', subject: 'agent:flappy' },
    });
  });

  it('acknowledges an alert once, notifies it, and lets it resolve', async () => {
    const { r, channel } = await ownChannel();
    const rule = await h.rule({
      name: 'Acky in error',
      kind: 'agent_error',
      params: { agent_id: 'acky' },
      severity: 'critical',
      channels: [channel.id],
    });
    const gauge = await firingGauge('critical');
    await h.writeAgent('acky', { status: 'error', lastActive: new Date().toISOString() });
    await r.waitFor(1);
    const [alert] = await h.alerts(rule.id);
    expect((await api(t.url, `/api/alerts/${alert.id}/ack`, { method: 'POST', json: { by: 'dana' } })).status).toBe(
      401,
    );
    const acked = await h.post(`/api/alerts/${alert.id}/ack`, { by: 'dana', note: 'on it' });
    expect(acked.status).toBe(200);
    expect(acked.body).toMatchObject({
      id: alert.id,
      state: 'firing',
      acked_by: 'dana',
      ack_note: 'on it',
      acked_at: expect.any(String),
    });
    const [, ack] = await r.waitFor(2);
    expect(ack.json).toMatchObject({ event: 'acked', alert: { id: alert.id, acked_by: 'dana' } });
    expect((await h.post(`/api/alerts/${alert.id}/ack`, {})).status).toBe(409);
    expect((await h.post('/api/alerts/999999/ack', {})).status).toBe(404);
    expect((await h.post('/api/alerts/abc/ack', {})).status).toBe(400);
    expect((await h.post(`/api/alerts/${alert.id}/ack`, { note: 42 })).body.details[0].field).toBe('note');
    const ackedEvents = (await api(t.url, '/api/system/events?type=alert_acked')).body.events;
    expect(ackedEvents.find((e: { data: { alert_id: number } }) => e.data.alert_id === alert.id)?.data).toMatchObject({
      acked_by: 'dana',
      ack_note: 'on it',
    });
    expect(
      socket.messages.find((m) => m.type === 'alert_update' && m.data.change === 'acked' && m.data.id === alert.id)
        ?.data,
    ).toMatchObject({ acked_by: 'dana' });

    expect(await firingGauge('critical')).toBe(gauge + 1);
    await h.writeAgent('acky', { status: 'active', lastActive: new Date().toISOString() });
    await r.waitFor(3);
    expect((await api(t.url, `/api/alerts?rule_id=${rule.id}&state=firing`)).body.alerts).toEqual([]);
    expect(await firingGauge('critical')).toBe(gauge);
  });

  it('pages alerts newest first and filters them', async () => {
    const rule = await h.rule({
      name: 'Pager in error',
      kind: 'agent_error',
      params: { agent_id: 'pager' },
      cooldown_minutes: 0,
    });
    // Two alerts of the rule, both resolved.
    for (let i = 0; i < 2; i++) {
      await h.writeAgent('pager', { status: 'error', lastActive: new Date().toISOString() });
      await waitFor(
        async () => (await h.alerts(rule.id)).filter((a: { state: string }) => a.state === 'firing').length === 1,
        5000,
        `alert ${i + 1} firing`,
      );
      await h.writeAgent('pager', { status: 'active', lastActive: new Date().toISOString() });
      await waitFor(
        async () => (await h.alerts(rule.id)).every((a: { state: string }) => a.state === 'resolved'),
        5000,
        `alert ${i + 1} resolved`,
      );
    }
    const first = await api(t.url, `/api/alerts?rule_id=${rule.id}&limit=1`);
    expect(first.body.alerts).toHaveLength(1);
    const second = await api(t.url, `/api/alerts?rule_id=${rule.id}&limit=1&cursor=${first.body.next_cursor}`);
    expect(second.body.alerts[0].id).toBeLessThan(first.body.alerts[0].id);
    expect(second.body.next_cursor).toBeNull();
    expect((await api(t.url, `/api/alerts?rule_id=${rule.id}&state=resolved`)).body.alerts).toHaveLength(2);
    expect((await api(t.url, `/api/alerts?rule_id=${rule.id}&state=firing`)).body.alerts).toEqual([]);
    expect((await api(t.url, '/api/alerts?state=open')).status).toBe(400);
    expect((await api(t.url, '/api/alerts?cursor=!!')).status).toBe(400);
  });
});
