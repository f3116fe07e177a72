import { join } from 'node:path';
import { OpenClawHome } from '../src/demo/openclaw-generator';
import { api, makeTempDir, removeDirs, startApp, TestApp, waitFor } from './support/app-harness';

describe('Alert kind session_stuck, from a generated OpenClaw home', () => {
  let t: TestApp;
  let dir: string;
  let oc: OpenClawHome;

  beforeAll(async () => {
    dir = await makeTempDir('mc-alert-oc-');
    oc = await OpenClawHome.create(join(dir, 'home'), { agents: [{ id: 'atlas', name: 'Atlas', layout: 'sqlite' }], configForm: 'list', json5: false });
    oc.addRun(oc.addSession('atlas', { at: Date.now() - 60_000 }), { at: Date.now() - 50_000 });
    await oc.flush();
    t = await startApp({ env: { MC_OPENCLAW_HOME: join(dir, 'home'), MC_OPENCLAW_POLL: '0.5', MC_STUCK_MINUTES: '0.02', MC_METRICS_INTERVAL: '3600' } });
    await waitFor(async () => (await api(t.url, '/api/sessions')).body.sessions.length === 1, 5000, 'the first session');
  });

  afterAll(async () => {
    await oc?.close();
    await t?.close();
    await removeDirs(dir, t?.workspace, t?.dataDir);
  });

  it('fires for a session stuck with a run in progress, and resolves when the run ends', async () => {
    const { body: rule } = await api(t.url, '/api/alerts/rules', { method: 'POST', json: { name: 'Atlas stuck', kind: 'session_stuck', params: { agent_id: 'atlas' } } });
    const s = oc.addSession('atlas');
    const run = oc.startRun(s, { at: Date.now() - 5_000, text: 'a long job' });
    await oc.flush();
    const alert = await waitFor(async () => (await api(t.url, `/api/alerts?rule_id=${rule.id}`)).body.alerts[0], 5000, 'the alert');
    expect(alert).toMatchObject({ state: 'firing', subject: `session:${s.key}`, message: expect.stringContaining(`atlas's session ${s.key} has had a run in progress`) });
    expect(alert.value).toBeGreaterThanOrEqual(0);
    oc.finishRun(run, { answer: 'done at last' });
    await oc.flush();
    await waitFor(async () => (await api(t.url, `/api/alerts?rule_id=${rule.id}`)).body.alerts[0].state === 'resolved', 5000, 'the alert to resolve');
  });
});
