import { ErrorCodes } from '@openclaw/gateway-protocol';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CONTROL_OFF } from '../src/common/access';
import { api, makeTempDir, startApp, TestApp, waitFor } from './support/app-harness';
import { FakeGateway } from './support/fake-gateway';

jest.setTimeout(60_000);

const GATEWAY_TOKEN = 'fake-gateway-token-7d2e9a41c0b3';
const TOKENS = { viewer: 'viewer-5e8a2c4b6d0f1a3c5e7b', operator: 'operator-9c1e3a5b7d9f2b4d6f8a' };
const API_TOKENS = JSON.stringify({
  tokens: [
    { name: 'grafana', role: 'viewer', token: TOKENS.viewer },
    { name: 'on-call', role: 'operator', token: TOKENS.operator },
  ],
});
const KEY = 'agent:main:main';
const path = (key: string, action: string) => `/api/sessions/${encodeURIComponent(key)}/${action}`;

/** An OpenClaw home whose openclaw.json describes the fake as the local gateway. */
async function home(port: number): Promise<string> {
  const dir = await makeTempDir('mc-oc-home-');
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'openclaw.json'),
    `{ gateway: { mode: "local", port: ${port}, bind: "loopback", auth: { mode: "token", token: "${GATEWAY_TOKEN}" } } }`,
  );
  return dir;
}

async function connected(mc: TestApp, state = 'connected'): Promise<void> {
  await waitFor(
    async () => (await api(mc.url, '/api/health')).body.services?.gateways?.gateways?.[0]?.state === state,
    10_000,
    `gateway ${state}`,
  );
}

function post(mc: TestApp, url: string, json: unknown, token?: string, headers: Record<string, string> = {}) {
  return api(mc.url, url, {
    method: 'POST',
    json,
    headers: { ...headers, ...(token && { authorization: `Bearer ${token}` }) },
  });
}

/** The audit events of one session, oldest first. */
async function audit(mc: TestApp, key: string, count: number): Promise<{ type: string; data: any }[]> {
  return waitFor(
    async () => {
      const { body } = await api(mc.url, '/api/system/events?limit=100', {
        headers: { authorization: `Bearer ${TOKENS.viewer}` },
      });
      if (!body.events) throw new Error(JSON.stringify(body));
      const mine = (body.events as { type: string; data: any }[])
        .filter((e) => e.type.startsWith('action_') && e.data.session_key === key)
        .reverse();
      return mine.length >= count && mine;
    },
    5_000,
    `${count} audit events of ${key}`,
  );
}

const sent = (gw: FakeGateway, method: string) => gw.requests.filter((r) => r.method === method);

describe('session actions (operator tokens configured)', () => {
  let gw: FakeGateway;
  let mc: TestApp;
  let gatewayClosed = false;

  beforeAll(async () => {
    gw = await FakeGateway.start({ token: GATEWAY_TOKEN });
    mc = await startApp({
      env: { MC_OPENCLAW_HOME: await home(gw.port), MC_API_TOKENS: API_TOKENS, MC_OPENCLAW_GATEWAY_RETRY: '0.05' },
    });
    await connected(mc);
  });

  afterAll(async () => {
    await mc?.close();
    if (!gatewayClosed) await gw?.close();
  });

  it('aborts the active run with an operator token: sessions.abort sent, 200 with the result, audited', async () => {
    const runId = gw.state.startRun(KEY);
    const res = await post(mc, path(KEY, 'abort'), {}, TOKENS.operator);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ gateway: 'local', session_key: KEY, run_id: runId, status: 'aborted' });
    expect(sent(gw, 'sessions.abort').at(-1)?.params).toEqual({ key: KEY });
    expect(gw.state.sessions.get(KEY)?.status).toBe('killed');
    const [requested, completed] = await audit(mc, KEY, 2);
    const who = { action: 'abort', actor: 'on-call', actor_role: 'operator', gateway: 'local', session_key: KEY };
    expect(requested).toMatchObject({ type: 'action_requested', data: who });
    expect(requested.data.client_ip).toMatch(/127\.0\.0\.1/);
    expect(completed).toMatchObject({ type: 'action_completed', data: { ...who, result: res.body } });
  });

  it('refuses a viewer token (403) without asking the gateway', async () => {
    gw.state.startRun('agent:main:viewer');
    const before = sent(gw, 'sessions.abort').length;
    const res = await post(mc, path('agent:main:viewer', 'abort'), {}, TOKENS.viewer);
    expect(res.status).toBe(403);
    expect(res.body.error).toMatch(/operator role/);
    expect(sent(gw, 'sessions.abort')).toHaveLength(before);
  });

  it('answers 404 for a session the gateway does not know, 409 when nothing runs', async () => {
    const unknown = await post(mc, path('agent:main:nowhere', 'abort'), {}, TOKENS.operator);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ status_code: 404, gateway: 'local' });
    gw.state.addSession('agent:main:idle');
    const idle = await post(mc, path('agent:main:idle', 'abort'), {}, TOKENS.operator);
    expect(idle.status).toBe(409);
    expect(idle.body).toMatchObject({ status: 'no-active-run', gateway: 'local' });
    expect(idle.body.error).toMatch(/Nothing is running/);
    const [, failed] = await audit(mc, 'agent:main:idle', 2);
    expect(failed).toMatchObject({ type: 'action_failed', data: { error: { status_code: 409 } } });
  });

  it("maps the gateway's refusals: a missing scope is a 403 naming it, any other error a 502 with its code", async () => {
    gw.state.startRun('agent:main:refused');
    gw.fail(
      'sessions.abort',
      {
        code: ErrorCodes.FORBIDDEN,
        message: 'missing scope: operator.write',
        details: { code: 'MISSING_SCOPE', missingScope: 'operator.write', requiredScopes: ['operator.write'] },
      },
      1,
    );
    const scope = await post(mc, path('agent:main:refused', 'abort'), {}, TOKENS.operator);
    expect(scope.status).toBe(403);
    expect(scope.body).toMatchObject({ missing_scope: 'operator.write', gateway: 'local' });
    expect(scope.body.error).toMatch(/operator\.write/);
    gw.fail('sessions.abort', { code: ErrorCodes.UNAVAILABLE, message: 'gateway is busy' }, 1);
    const other = await post(mc, path('agent:main:refused', 'abort'), {}, TOKENS.operator);
    expect(other.status).toBe(502);
    expect(other.body).toMatchObject({ gateway_code: 'UNAVAILABLE', gateway: 'local' });
    expect(other.body.error).toMatch(/UNAVAILABLE: gateway is busy/);
  });

  it('steers with chat.send queueMode steer, sends with sessions.send', async () => {
    const runId = gw.state.startRun('agent:main:steer');
    const steer = await post(
      mc,
      path('agent:main:steer', 'messages'),
      { text: 'use the cache', mode: 'steer' },
      TOKENS.operator,
    );
    expect(steer.status).toBe(200);
    expect(steer.body).toMatchObject({
      gateway: 'local',
      mode: 'steer',
      status: 'started',
      interrupted_active_run: false,
    });
    const chat = sent(gw, 'chat.send').at(-1)?.params as Record<string, unknown>;
    expect(chat).toMatchObject({ sessionKey: 'agent:main:steer', message: 'use the cache', queueMode: 'steer' });
    expect(chat.idempotencyKey).toEqual(expect.any(String));
    expect(gw.state.sessions.get('agent:main:steer')?.activeRunId).toBe(runId);
    gw.state.endRun('agent:main:steer');
    const send = await post(mc, path('agent:main:steer', 'messages'), { text: 'next task' }, TOKENS.operator);
    expect(send.status).toBe(200);
    expect(sent(gw, 'sessions.send').at(-1)?.params).toMatchObject({ key: 'agent:main:steer', message: 'next task' });
    const missing = await post(
      mc,
      path('agent:main:ghost', 'messages'),
      { text: 'hi', mode: 'steer' },
      TOKENS.operator,
    );
    expect(missing.status).toBe(404);
    expect(gw.state.sessions.has('agent:main:ghost')).toBe(false);
  });

  it('validates the bodies', async () => {
    const big = await post(mc, path(KEY, 'messages'), { text: 'é'.repeat(8193) }, TOKENS.operator);
    expect(big.status).toBe(400);
    const mode = await post(mc, path(KEY, 'messages'), { text: 'x', mode: 'shout' }, TOKENS.operator);
    expect(mode.status).toBe(400);
    const run = await post(mc, path(KEY, 'abort'), { run_id: '../x y' }, TOKENS.operator);
    expect(run.status).toBe(400);
  });

  it('does a retried action once with the same Idempotency-Key and answers it as the first time', async () => {
    const runId = gw.state.startRun('agent:main:retry');
    const before = sent(gw, 'sessions.abort').length;
    const headers = { 'idempotency-key': 'retry-1' };
    const first = await post(mc, path('agent:main:retry', 'abort'), {}, TOKENS.operator, headers);
    const again = await post(mc, path('agent:main:retry', 'abort'), {}, TOKENS.operator, headers);
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(first.body.run_id).toBe(runId);
    expect(sent(gw, 'sessions.abort')).toHaveLength(before + 1);
    const other = await post(mc, path('agent:main:retry', 'abort'), { clear_queued: true }, TOKENS.operator, headers);
    expect(other.status).toBe(422);
  });

  it('answers 503 naming the state while the gateway is not connected', async () => {
    gatewayClosed = true;
    await gw.close();
    await connected(mc, 'unreachable');
    const res = await post(mc, path(KEY, 'abort'), {}, TOKENS.operator);
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ gateway: 'local', gateway_state: 'unreachable' });
    expect(res.body.error).toMatch(/not connected \(unreachable\)/);
  });
});

describe('session actions without a token configured', () => {
  it('are off: 403 saying how to enable them', async () => {
    const mc = await startApp({ env: { MC_OPENCLAW: 'off', MC_OPENCLAW_GATEWAYS: 'off' } });
    try {
      const res = await post(mc, path(KEY, 'abort'), {});
      expect(res.status).toBe(403);
      expect(res.body.error).toBe(CONTROL_OFF);
      expect((await post(mc, path(KEY, 'messages'), { text: 'hi' })).status).toBe(403);
    } finally {
      await mc.close();
    }
  });
});
