import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { alertsHarness, auth, MIN, TOKEN } from './support/alerts-harness';
import { api, holdsFor, removeDirs, startApp, TestApp, waitFor } from './support/app-harness';
import { WebhookReceiver } from './support/webhook-receiver';
import { TestSocket } from './support/ws-client';

interface AlertRow {
  id: number;
  state: string;
  subject: string;
  started_at: string;
  resolved_at: string | null;
  last_notified_at: string;
}

/** A clock of its own, an hour ahead: events dated on it count only in collections run on it. */
const clockStart = () => Math.ceil(Date.now() / MIN) * MIN + 60 * MIN;

describe('Alert lifecycle: rules and agents that go away, notify_resolved', () => {
  let t: TestApp;
  let r: WebhookReceiver;
  let socket: TestSocket;
  let channelId: string;
  const h = alertsHarness(() => t);
  const alerts = (ruleId: string): Promise<AlertRow[]> => h.alerts(ruleId);
  /** `<subject> <state>` of a rule's alerts, of these agents only when given. */
  const statesOf = async (ruleId: string, agents?: string[]) =>
    (await alerts(ruleId))
      .filter((a) => !agents || agents.some((id) => a.subject === `agent:${id}`))
      .map((a) => `${a.subject} ${a.state}`)
      .sort();
  const events = (ruleId: string) => r.received.filter((x) => x.json.rule?.id === ruleId).map((x) => x.json.event);

  beforeAll(async () => {
    t = await startApp({ env: { MC_API_TOKEN: TOKEN, MC_METRICS_INTERVAL: '3600' } });
    r = await WebhookReceiver.start();
    socket = await TestSocket.open(`${t.wsUrl}?token=${TOKEN}`);
    channelId = (await h.post('/api/notifications/webhooks', { name: 'Ops', url: r.url })).body.id;
  });

  afterAll(async () => {
    socket?.close();
    await t?.close();
    await r?.close();
    await removeDirs(t?.workspace, t?.dataDir);
  });

  it('deleting a rule resolves its firing alerts, and they stay in the history', async () => {
    const rule = await h.rule({
      name: 'Wreck in error',
      kind: 'agent_error',
      params: { agent_id: 'wreck' },
      channels: [channelId],
    });
    await h.writeAgent('wreck', { status: 'error', lastActive: new Date().toISOString() });
    const [fired] = await waitFor(
      async () => ((await alerts(rule.id))[0]?.state === 'firing' ? alerts(rule.id) : undefined),
      5000,
      'the alert',
    );

    expect((await h.deleteRule(rule.id)).status).toBe(200);
    const [kept] = await waitFor(
      async () => ((await alerts(rule.id))[0]?.state === 'resolved' ? alerts(rule.id) : undefined),
      5000,
      'the alert resolved',
    );
    expect(kept).toMatchObject({
      id: fired.id,
      subject: 'agent:wreck',
      started_at: fired.started_at,
      resolved_at: expect.any(String),
    });
    expect((await api(t.url, '/api/alerts?state=resolved')).body.alerts.map((a: AlertRow) => a.id)).toContain(fired.id);
    expect((await api(t.url, '/api/alerts?state=firing')).body.alerts.map((a: AlertRow) => a.id)).not.toContain(
      fired.id,
    );
    const logged = (await api(t.url, '/api/system/events?type=alert_resolved&agent_id=wreck')).body.events;
    expect(logged.map((e: { data: { alert_id: number } }) => e.data.alert_id)).toEqual([fired.id]);
    // The agent is still in error, but the rule is gone: nothing opens again.
    await h.settled();
    expect(await statesOf(rule.id)).toEqual(['agent:wreck resolved']);
  });

  it('disabling a rule resolves its firing alerts too', async () => {
    const rule = await h.rule({ name: 'Wreck in error, again', kind: 'agent_error', params: { agent_id: 'wreck' } });
    await waitFor(async () => (await statesOf(rule.id)).join() === 'agent:wreck firing', 5000, 'the alert');
    expect(
      (await api(t.url, `/api/alerts/rules/${rule.id}`, { method: 'PATCH', json: { enabled: false }, headers: auth }))
        .status,
    ).toBe(200);
    await waitFor(async () => (await statesOf(rule.id)).join() === 'agent:wreck resolved', 5000, 'the alert resolved');
    await h.deleteRule(rule.id);
  });

  it('an agent that leaves the fleet resolves its alerts; the others keep firing', async () => {
    const rule = await h.rule({ name: 'Any agent in error', kind: 'agent_error' });
    await h.writeAgent('leaver', { status: 'error', lastActive: new Date().toISOString() });
    await h.writeAgent('stayer', { status: 'error', lastActive: new Date().toISOString() });
    const ours = ['leaver', 'stayer'];
    await waitFor(
      async () => (await statesOf(rule.id, ours)).join() === 'agent:leaver firing,agent:stayer firing',
      5000,
      'two alerts',
    );

    await rm(join(t.mc, 'agents', 'leaver'), { recursive: true });
    await waitFor(async () => (await api(t.url, '/api/agents/leaver')).status === 404, 5000, 'the agent gone');
    await waitFor(
      async () => (await statesOf(rule.id, ours)).join() === 'agent:leaver resolved,agent:stayer firing',
      5000,
      'its alert resolved',
    );
    await h.deleteRule(rule.id);
  });

  it('notify_resolved: false records and shows a resolution but sends it nowhere, and the cooldown counts from the firing', async () => {
    const T = clockStart();
    const type = 'quota_exceeded';
    const rule = await h.rule({
      name: 'Quota',
      kind: 'event_count',
      params: { event_type: type, at_least: 1, window_minutes: 5 },
      cooldown_minutes: 10,
      notify_resolved: false,
      channels: [channelId],
    });
    const at = (ms: number) =>
      h.post('/api/events', { event_type: type, agent_id: 'forge', timestamp: new Date(ms).toISOString() });

    await at(T);
    await h.collectAt(T);
    await waitFor(async () => events(rule.id).length === 1, 5000, 'the firing sent');
    await h.collectAt(T + 6 * MIN);
    const [resolved] = await alerts(rule.id);
    expect(resolved).toMatchObject({
      state: 'resolved',
      resolved_at: new Date(T + 6 * MIN).toISOString(),
      last_notified_at: new Date(T).toISOString(),
    });
    // Written with the alert's change when there is one: none was.
    expect(
      (await api(t.url, `/api/notifications/deliveries?channel_id=${channelId}`)).body.deliveries
        .filter((d: { rule_id: string }) => d.rule_id === rule.id)
        .map((d: { event: string }) => d.event),
    ).toEqual(['fired']);
    await holdsFor(async () => events(rule.id).length === 1, 1000, 'nothing sent for the resolution');
    const mine = (type: string) =>
      socket.messages.filter((m) => m.type === type && (m.data.rule_id ?? m.data.data?.rule_id) === rule.id);
    expect(mine('alert_update').map((m) => m.data.change)).toEqual(['fired', 'resolved']);
    expect(mine('notification').map((m) => m.data.title)).toEqual(['Alert: Quota']);
    const logged = (await api(t.url, '/api/system/events?type=alert_resolved')).body.events;
    expect(logged.map((e: { data: { rule_id: string } }) => e.data.rule_id)).toContain(rule.id);

    // 12 minutes after the firing, 6 after the unannounced resolution: past the 10-minute cooldown.
    await at(T + 12 * MIN);
    await h.collectAt(T + 12 * MIN);
    expect((await alerts(rule.id)).map((a) => [a.state, a.started_at])).toEqual([
      ['firing', new Date(T + 12 * MIN).toISOString()],
      ['resolved', new Date(T).toISOString()],
    ]);
    await waitFor(async () => events(rule.id).join() === 'fired,fired', 5000, 'the second firing sent');
    await h.deleteRule(rule.id);
  });
});

describe('Alert lifecycle: the cooldown counts from an announced resolution, across a restart', () => {
  let t: TestApp;
  let r: WebhookReceiver;
  const h = alertsHarness(() => t);

  beforeAll(async () => {
    r = await WebhookReceiver.start();
  });

  afterAll(async () => {
    await t?.close();
    await r?.close();
    await removeDirs(t?.workspace, t?.dataDir);
  });

  it('opens no new alert until cooldown_minutes after the resolution, even after a restart', async () => {
    const env = { MC_API_TOKEN: TOKEN, MC_METRICS_INTERVAL: '3600' };
    t = await startApp({ env });
    const T = clockStart();
    const type = 'disk_full';
    const channel = (await h.post('/api/notifications/webhooks', { name: 'Ops', url: r.url })).body;
    const rule = await h.rule({
      name: 'Disk',
      kind: 'event_count',
      params: { event_type: type, at_least: 1, window_minutes: 5 },
      cooldown_minutes: 10,
      channels: [channel.id],
    });
    const at = (ms: number) =>
      h.post('/api/events', { event_type: type, agent_id: 'forge', timestamp: new Date(ms).toISOString() });
    const states = async () => (await h.alerts(rule.id)).map((a: AlertRow) => `${a.state} ${a.started_at}`);

    await at(T);
    await h.collectAt(T);
    await h.collectAt(T + 6 * MIN);
    expect(await states()).toEqual([`resolved ${new Date(T).toISOString()}`]);
    expect((await h.alerts(rule.id))[0].last_notified_at).toBe(new Date(T + 6 * MIN).toISOString());
    // Both recorded as delivered: a shutdown would cut an attempt still in flight, to send it again.
    const delivered = async () =>
      (await api(t.url, `/api/notifications/deliveries?channel_id=${channel.id}&status=delivered`)).body.deliveries;
    await waitFor(async () => (await delivered()).length === 2, 5000, 'the firing and the resolution delivered');

    await t.close();
    t = await startApp({ env, workspace: t.workspace, dataDir: t.dataDir });
    // 12 minutes after the firing, but only 6 after the resolution was sent: still cooling down.
    await at(T + 12 * MIN);
    await h.collectAt(T + 12 * MIN);
    expect(await states()).toEqual([`resolved ${new Date(T).toISOString()}`]);
    // 10.5 minutes after the resolution: news again.
    await h.collectAt(T + 16.5 * MIN);
    expect(await states()).toEqual([
      `firing ${new Date(T + 16.5 * MIN).toISOString()}`,
      `resolved ${new Date(T).toISOString()}`,
    ]);
    await r.waitFor(3);
    expect(r.received.map((x) => x.json.event)).toEqual(['fired', 'resolved', 'fired']);
  });
});
