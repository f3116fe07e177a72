import { alertsHarness, auth, MIN, TOKEN } from './support/alerts-harness';
import { api, holdsFor, removeDirs, startApp, TestApp, waitFor } from './support/app-harness';

interface AlertBody {
  id: number;
  state: string;
  started_at: string;
  resolved_at: string | null;
  message: string;
}

/**
 * One clock for every evaluation: a collection's slot, or the real time, whichever is later, never
 * going back. An alert fired at a collection in the future is not resolved by an evaluation that an
 * event asks for on the real clock; it resolves from its cause, at or after its start.
 */
describe('The alert clock', () => {
  let t: TestApp;
  const h = alertsHarness(() => t);
  const only = async (ruleId: string): Promise<AlertBody> => {
    const list: AlertBody[] = await h.alerts(ruleId);
    expect(list).toHaveLength(1);
    return list[0];
  };
  const stillFiring = (ruleId: string, what: string) =>
    holdsFor(async () => (await only(ruleId)).state === 'firing', 1500, what);
  const resolvedAfterStart = (alert: AlertBody) => {
    expect(alert.state).toBe('resolved');
    expect(Date.parse(alert.resolved_at!)).toBeGreaterThanOrEqual(Date.parse(alert.started_at));
  };

  beforeEach(async () => {
    t = await startApp({ env: { MC_API_TOKEN: TOKEN, MC_METRICS_INTERVAL: '3600' } });
  });

  afterEach(async () => {
    await t?.close();
    await removeDirs(t?.workspace, t?.dataDir);
  });

  it('agent_offline fired at a future collection stays firing through evaluations on the real clock, and resolves when the agent is back', async () => {
    const T = Date.now();
    await h.writeAgent('scout', { status: 'offline', lastActive: new Date(T).toISOString() });
    await waitFor(async () => (await h.agentStatus('scout')) === 'offline', 5000, 'scout offline');
    const rule = await h.rule({
      name: 'Scout offline',
      kind: 'agent_offline',
      params: { agent_id: 'scout', minutes: 5 },
    });
    const other = await h.rule({
      name: 'Scout offline too',
      kind: 'agent_offline',
      params: { agent_id: 'scout', minutes: 5 },
    });
    await h.collectAt(T + 6 * MIN);
    const fired = await only(rule.id);
    expect(fired).toMatchObject({
      state: 'firing',
      started_at: new Date(T + 6 * MIN).toISOString(),
      message: 'scout has been offline for 6 minutes',
    });

    // Another agent's change has the agent rules looked at again, now: scout is still offline.
    await h.writeAgent('scribe', { status: 'active', lastActive: new Date().toISOString() });
    await waitFor(async () => (await h.agentStatus('scribe')) === 'active', 5000, 'scribe active');
    await h.settled();
    await stillFiring(rule.id, 'the alert of an agent still offline');

    // A rule disabled closes its alert, at or after its start.
    expect(
      (await api(t.url, `/api/alerts/rules/${other.id}`, { method: 'PATCH', json: { enabled: false }, headers: auth }))
        .status,
    ).toBe(200);
    await h.settled();
    resolvedAfterStart(await only(other.id));

    // The cause: scout is back.
    await h.writeAgent('scout', { status: 'active', lastActive: new Date().toISOString() });
    const resolved = await waitFor(
      async () => ((await only(rule.id)).state === 'resolved' ? only(rule.id) : undefined),
      5000,
      'the alert to resolve',
    );
    expect(resolved.id).toBe(fired.id);
    resolvedAfterStart(resolved);
  });

  it('no_backup fired at a future collection stays firing when the rule is looked at again, and resolves when a full backup is made', async () => {
    const rule = await h.rule({ name: 'No backup', kind: 'no_backup', params: { hours: 1 } });
    const T = Date.now() + 2 * 60 * MIN;
    await h.collectAt(T);
    const fired = await only(rule.id);
    expect(fired).toMatchObject({
      state: 'firing',
      started_at: new Date(T).toISOString(),
      message: expect.stringMatching(/^No verified full backup since the service started 2 hours ago/),
    });

    // Looked at again on a change of the rule, and at a collection on the real clock: still no backup.
    expect(
      (
        await api(t.url, `/api/alerts/rules/${rule.id}`, {
          method: 'PATCH',
          json: { severity: 'critical' },
          headers: auth,
        })
      ).status,
    ).toBe(200);
    await h.settled();
    await h.collectAt(Date.now());
    await stillFiring(rule.id, 'the alert while there is no backup');

    // The cause: a verified full backup, made after the alert fired.
    const backup = await h.post('/api/backups', { type: 'full' });
    expect(backup.body.status).toBe('verified');
    const resolved = await waitFor(
      async () => ((await only(rule.id)).state === 'resolved' ? only(rule.id) : undefined),
      5000,
      'the alert to resolve',
    );
    expect(resolved.id).toBe(fired.id);
    resolvedAfterStart(resolved);
  });
});
