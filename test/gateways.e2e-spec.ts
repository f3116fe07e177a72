import { Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { DomainEvent } from '../src/contracts/domain-events';
import { GatewayView } from '../src/contracts/gateways';
import { makeTempDir, startApp, TestApp, waitFor } from './support/app-harness';
import { FakeGateway } from './support/fake-gateway';

jest.setTimeout(60_000);

const TOKEN = 'fake-gateway-token-4f1c9d2ab7e0';
const started: (TestApp | FakeGateway)[] = [];
const logged: string[] = [];

beforeAll(() => {
  // Whatever the app asks its loggers to write, at any level, whether or not a logger prints it.
  for (const level of ['log', 'warn', 'error', 'debug', 'verbose'] as const)
    jest.spyOn(Logger.prototype, level).mockImplementation(function (this: Logger, ...args: unknown[]) {
      logged.push(args.map(String).join(' '));
    });
});

afterEach(async () => {
  for (const item of started.splice(0).reverse()) await item.close();
});

async function gateway(options: Parameters<typeof FakeGateway.start>[0] = {}): Promise<FakeGateway> {
  const gw = await FakeGateway.start({ token: TOKEN, ...options });
  started.push(gw);
  return gw;
}

/** An OpenClaw home whose openclaw.json describes a local gateway on `port` with `token`. */
async function home(port: number, token: string): Promise<string> {
  const dir = await makeTempDir('mc-oc-home-');
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'openclaw.json'),
    `{ gateway: { mode: "local", port: ${port}, bind: "loopback", auth: { mode: "token", token: "${token}" } } }`,
  );
  return dir;
}

async function app(env: Record<string, string>): Promise<TestApp> {
  const started_ = await startApp({ env: { MC_OPENCLAW_GATEWAY_RETRY: '0.05', ...env } });
  started.push(started_);
  return started_;
}

async function health(mc: TestApp) {
  const res = await request(mc.url).get('/api/health');
  return res.body as { status: string; services: { gateways: { status: string; gateways: GatewayView[] } } };
}

/** Waits for the gateway `id` to reach `state` in /api/health; returns its view. */
async function stateOf(mc: TestApp, state: string, id = 'local', ms = 10_000): Promise<GatewayView> {
  return waitFor(
    async () => (await health(mc)).services.gateways.gateways.find((g) => g.id === id && g.state === state),
    ms,
    `gateway ${id} ${state}`,
  );
}

describe('gateway connections', () => {
  it('connects with zero set-up from openclaw.json: version, protocol, round trip, device id, read scope only', async () => {
    const gw = await gateway();
    const mc = await app({ MC_OPENCLAW_HOME: await home(gw.port, TOKEN) });
    const seen: unknown[] = [];
    mc.app.get(EventEmitter2).on(DomainEvent.GatewayEventReceived, (payload: unknown) => seen.push(payload));
    const view = await stateOf(mc, 'connected');
    expect(view).toMatchObject({
      url: `ws://127.0.0.1:${gw.port}`,
      source: 'openclaw.json',
      openclaw_version: '2026.9.6',
      protocol: 4,
      missing_methods: [],
      scopes: { requested: ['operator.read'], granted: ['operator.read'] },
      last_error: null,
    });
    expect(view.device_id).toMatch(/^[0-9a-f]{64}$/);
    await waitFor(async () => (await stateOf(mc, 'connected')).rtt_ms !== null, 5_000, 'a round trip');
    expect(gw.connections()[0]).toMatchObject({ deviceId: view.device_id, scopes: ['operator.read'] });
    const identity = await stat(join(mc.dataDir, 'gateway-identity.json'));
    expect(identity.mode & 0o777).toBe(0o600);
    expect((await health(mc)).status).toBe('healthy');
    // Gateway events reach the DomainEventBus, tagged with the gateway.
    gw.state.startRun('agent:main:main');
    await waitFor(async () => seen.length >= 2, 5_000, 'gateway events');
    expect(seen[0]).toMatchObject({ gateway_id: 'local', agent_prefix: '', event: 'sessions.changed', seq: 1 });
  });

  it('says auth_failed for a wrong token (from token_env), degrades health, and never shows the token', async () => {
    const gw = await gateway();
    process.env.TEST_GATEWAY_SECRET = 'wrong-token-7d1e6f0c2b9a';
    try {
      const list = JSON.stringify([
        { id: 'studio', url: gw.url, token_env: 'TEST_GATEWAY_SECRET', label: 'Studio', agent_prefix: 'studio-' },
      ]);
      const mc = await app({ MC_OPENCLAW_GATEWAYS: list });
      const view = await stateOf(mc, 'auth_failed', 'studio');
      expect(view).toMatchObject({ source: 'MC_OPENCLAW_GATEWAYS', agent_prefix: 'studio-', label: 'Studio' });
      expect(view.last_error?.code).toBe('AUTH_TOKEN_MISMATCH');
      const body = await health(mc);
      expect(body.status).toBe('degraded');
      expect(body.services.gateways.status).toBe('down');
      expect(JSON.stringify(body)).not.toContain('wrong-token-7d1e6f0c2b9a');
    } finally {
      delete process.env.TEST_GATEWAY_SECRET;
    }
  });

  it('says pairing_required with the approve command, then connects once the device is approved', async () => {
    const gw = await gateway({ requirePairing: true });
    const mc = await app({ MC_OPENCLAW_HOME: await home(gw.port, TOKEN) });
    const view = await stateOf(mc, 'pairing_required');
    const requestId = gw.pairingRequests.get(view.device_id);
    expect(requestId).toEqual(expect.any(String));
    expect(view.pairing_command).toBe(`openclaw devices approve ${requestId}`);
    gw.approveDevice(view.device_id);
    const connected = await stateOf(mc, 'connected');
    expect(connected.pairing_command).toBeUndefined();
  });

  it('says unreachable when the gateway stops, and reconnects with backoff when it is back', async () => {
    const gw = await gateway();
    const mc = await app({ MC_OPENCLAW_HOME: await home(gw.port, TOKEN) });
    await stateOf(mc, 'connected');
    await gw.close();
    const lost = await stateOf(mc, 'unreachable');
    expect(lost.last_error).not.toBeNull();
    // Once connected, losing it degrades the service.
    expect((await health(mc)).status).toBe('degraded');
    await gw.listen();
    await stateOf(mc, 'connected');
    expect((await health(mc)).status).toBe('healthy');
  });

  it('shows a zero set-up gateway that never answered as unreachable without degrading the service', async () => {
    const gw = await gateway();
    const port = gw.port;
    await gw.close();
    // Closed for good: closing it again would wait for a server that is gone.
    started.splice(started.indexOf(gw), 1);
    const mc = await app({ MC_OPENCLAW_HOME: await home(port, TOKEN) });
    await stateOf(mc, 'unreachable');
    expect((await health(mc)).status).toBe('healthy');
  });

  it('says protocol_mismatch to a gateway of another protocol, and lists the methods a gateway lacks', async () => {
    const v5 = await gateway({ protocol: 5 });
    const old = await gateway({ methods: ['health', 'sessions.list'] });
    const list = JSON.stringify([
      { id: 'v5', url: v5.url, token: TOKEN, agent_prefix: 'v5-' },
      { id: 'old', url: old.url, token: TOKEN, agent_prefix: 'old-' },
    ]);
    const mc = await app({ MC_OPENCLAW_GATEWAYS: list });
    expect((await stateOf(mc, 'protocol_mismatch', 'v5')).last_error?.code).toBe('PROTOCOL_MISMATCH');
    const view = await stateOf(mc, 'connected', 'old');
    expect(view.missing_methods).toEqual(expect.arrayContaining(['sessions.abort', 'chat.send', 'usage.status']));
    expect(view.missing_methods).not.toContain('health');
  });

  it('never writes a gateway token to the log, health or status.json', async () => {
    const gw = await gateway();
    const mc = await app({ MC_OPENCLAW_HOME: await home(gw.port, TOKEN) });
    await stateOf(mc, 'connected');
    gw.refuseAuth = true;
    gw.dropConnections();
    await stateOf(mc, 'auth_failed');
    const body = JSON.stringify(await health(mc));
    await mc.close();
    const status = await readFile(join(mc.dataDir, 'status.json'), 'utf8');
    expect(logged.join('\n')).toMatch(/Gateway local .*connected/);
    for (const text of [logged.join('\n'), body, status]) expect(text).not.toContain(TOKEN);
  });
});
