import { join } from 'node:path';
import { OpenClawHome } from '../src/demo/openclaw-generator';
import { api, makeTempDir, removeDirs, startApp, TestApp, waitFor } from './support/app-harness';

describe('Alert kind session_stuck, from a generated OpenClaw home', () => {
  let t: TestApp;
  let dir: string;
  let oc: OpenClawHome;

  beforeAll(async () => {
    dir = await makeTempDir('mc-alert-oc-');
    oc = await OpenClawHome.create(join(dir, 'home'), {
      agents: [{ id: 'atlas', name: 'Atlas', layout: 'sqlite' }],
      configForm: 'list',
      json5: false,
    });
    oc.addRun(oc.addSession('atlas', { at: Date.now() - 60_000 }), { at: Date.now() - 50_000 });
    await oc.flush();
    t = await startApp({
      env: {
        MC_OPENCLAW_HOME: join(dir, 'home'),
        MC_OPENCLAW_POLL: '0.5',
        MC_STUCK_MINUTES: '0.02',
        MC_METRICS_INTERVAL: '3600',
      },
    });
    await waitFor(
      async () => (await api(t.url, '/api/sessions')).body.sessions.length === 1,
      5000,
      'the first session',
    );
  });

  afterAll(async () => {
    await oc?.close();
    await t?.close();
    await removeDirs(dir, t?.workspace, t?.dataDir);
  });

  it('fires for a session stuck with a run in progress, and resolves when the run ends', async () => {
    const { body: rule } = await api(t.url, '/api/alerts/rules', {
      method: 'POST',
      json: { name: 'Atlas stuck', kind: 'session_stuck', params: { agent_id: 'atlas' } },
    });
    const s = oc.addSession('atlas');
    const run = oc.startRun(s, { at: Date.now() - 5_000, text: 'a long job' });
    await oc.flush();
    const alert = await waitFor(
      async () => (await api(t.url, `/api/alerts?rule_id=${rule.id}`)).body.alerts[0],
      5000,
      'the alert',
    );
    expect(alert).toMatchObject({
      state: 'firing',
      subject: `session:${s.key}`,
      message: expect.stringContaining(`atlas's session ${s.key} has had a run in progress`),
    });
    expect(alert.value).toBeGreaterThanOrEqual(0);
    oc.finishRun(run, { answer: 'done at last' });
    await oc.flush();
    await waitFor(
      async () => (await api(t.url, `/api/alerts?rule_id=${rule.id}`)).body.alerts[0].state === 'resolved',
      5000,
      'the alert to resolve',
    );
  });
});

describe("A new OpenClaw agent's first sessions, in metrics intervals and cost_budget", () => {
  let t: TestApp;
  let dir: string;
  let oc: OpenClawHome;
  const collect = async () => (await api(t.url, '/api/system/metrics/collect', { method: 'POST' })).body;
  const lastRow = async (agent: string) =>
    (await api(t.url, `/api/agents/${agent}/history?hours=1`)).body.history.at(-1);
  const readerSees = (key: string) =>
    waitFor(async () => (await api(t.url, `/api/sessions/${encodeURIComponent(key)}`)).status === 200, 5000, key);

  beforeAll(async () => {
    dir = await makeTempDir('mc-alert-oc-new-');
    const agents = ['atlas', 'nova', 'echo'].map((id) => ({ id, layout: 'sqlite' as const }));
    oc = await OpenClawHome.create(join(dir, 'home'), { agents, configForm: 'list', json5: false });
    // History from before Mission Control started watching, which no interval counts.
    const old = oc.addSession('atlas', { at: Date.now() - 60_000 });
    oc.addRun(old, { at: Date.now() - 50_000, usage: { input: 9000, output: 900 } });
    await oc.flush();
    const env = { MC_OPENCLAW_HOME: join(dir, 'home'), MC_OPENCLAW_POLL: '0.5', MC_METRICS_INTERVAL: '3600' };
    t = await startApp({ env });
    await waitFor(
      async () => (await api(t.url, '/api/sessions')).body.sessions.length === 1,
      5000,
      'the first session',
    );
    const first = await collect();
    expect(first.system.tokens_in).toBe(0);
  });

  afterAll(async () => {
    await oc?.close();
    await t?.close();
    await removeDirs(dir, t?.workspace, t?.dataDir);
  });

  it('counts the first session of an agent that had none in the next interval, and its budget rule fires', async () => {
    const json = { name: 'Nova budget', kind: 'cost_budget', params: { agent_id: 'nova', usd: 0.01, window: 'day' } };
    const { body: rule } = await api(t.url, '/api/alerts/rules', { method: 'POST', json });
    const s = oc.addSession('nova');
    oc.addRun(s, { answer: 'first words', usage: { input: 4000, output: 200 } });
    await oc.flush();
    await readerSees(s.key);
    const { system } = await collect();
    expect(system.tokens_in).toBe(4000);
    expect(system.cost_usd).toBeCloseTo(0.015, 9);
    const nova = { tokens_in: 4000, tokens_out: 200, runs: 1, cost_usd: 0.015, cost_usd_total: 0.015 };
    expect(await lastRow('nova')).toMatchObject(nova);
    expect(await lastRow('atlas')).toMatchObject({ tokens_in: 0, cost_usd: 0 });
    const firing = async () => (await api(t.url, `/api/alerts?rule_id=${rule.id}`)).body.alerts[0];
    const alert = await waitFor(firing, 5000, 'the budget alert');
    expect(alert).toMatchObject({ state: 'firing', subject: 'agent:nova', value: 0.015 });
  });

  it("counts once a first turn the plugin reported before the reader saw the agent's session", async () => {
    const model = { source: 'openclaw', provider: 'anthropic', model: 'claude-sonnet-4-5' };
    const data = { ...model, input_tokens: 1000, output_tokens: 50, cost_usd: 0.00375 };
    const event = { event_type: 'llm_usage', agent_id: 'echo', data };
    expect((await api(t.url, '/api/events', { method: 'POST', json: event })).status).toBe(201);
    expect((await collect()).system.tokens_in).toBe(1000);
    const s = oc.addSession('echo');
    oc.addRun(s, { answer: 'the same turn', usage: { input: 1000, output: 50 } });
    await oc.flush();
    await readerSees(s.key);
    expect((await collect()).system.tokens_in).toBe(0);
    oc.addRun(s, { answer: 'a second turn', usage: { input: 500, output: 20 } });
    await oc.flush();
    const read = async () => (await api(t.url, '/api/usage?agent_id=echo')).body.total.input_tokens === 1500;
    await waitFor(read, 5000, 'the second turn');
    expect((await collect()).system.tokens_in).toBe(500);
    expect(await lastRow('echo')).toMatchObject({ tokens_in: 500, tokens_out: 20, runs: 1 });
  });
});
