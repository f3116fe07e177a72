import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { GatewayClient, GatewayClientOptions } from '@openclaw/gateway-client';
import { HelloOkSchema, PROTOCOL_VERSION } from '@openclaw/gateway-protocol';
import { FakeGateway } from './support/fake-gateway';

/**
 * The protocol-level fake gateway (test/support/fake-gateway.ts), driven by OpenClaw's own client
 * (@openclaw/gateway-client): if the reference client connects, correlates, reconnects and reads errors and
 * events from it as it does from a real gateway, the fake speaks the protocol the way Mission Control will meet it.
 */
// typebox's subpath exports have no types under this project's module resolution.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Value } = require('typebox/value') as { Value: { Check(schema: unknown, value: unknown): boolean } };

interface Client {
  client: GatewayClient;
  hello: Promise<any>;
  events: { event: string; payload: any; seq?: number }[];
  errors: any[];
  paused: any[];
  closes: { code: number; reason: string }[];
}

const started: (Client | FakeGateway)[] = [];

function connect(gw: FakeGateway, options: Partial<GatewayClientOptions> = {}): Client {
  const c = { events: [], errors: [], paused: [], closes: [] } as unknown as Client;
  c.hello = new Promise((resolve, reject) => {
    c.client = new GatewayClient({
      url: gw.url,
      token: gw.token ?? undefined,
      clientName: 'gateway-client',
      clientDisplayName: 'Mission Control',
      mode: 'backend',
      role: 'operator',
      scopes: ['operator.read'],
      minProtocol: PROTOCOL_VERSION,
      maxProtocol: PROTOCOL_VERSION,
      ...options,
      onHelloOk: resolve,
      onConnectError: (error) => (c.errors.push(error), reject(error)),
      onReconnectPaused: (info) => c.paused.push(info),
      onClose: (code, reason) => c.closes.push({ code, reason }),
      onEvent: (e) => c.events.push({ event: e.event, payload: e.payload, seq: e.seq }),
    });
  });
  c.hello.catch(() => undefined);
  c.client.start();
  started.push(c);
  return c;
}

async function gateway(options: Parameters<typeof FakeGateway.start>[0] = {}): Promise<FakeGateway> {
  const gw = await FakeGateway.start(options);
  started.push(gw);
  return gw;
}

/** Mission Control's device identity recipe: Ed25519, id = SHA-256 of the raw public key. */
function deviceIdentity(signWith?: string) {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ type: 'spki', format: 'der' }).subarray(-32);
  const identity = {
    deviceId: createHash('sha256').update(raw).digest('hex'),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
  const stored: { token: string; scopes: string[] }[] = [];
  const hostDeps = {
    signDevicePayload: (pem: string, payload: string) =>
      sign(null, Buffer.from(payload, 'utf8'), createPrivateKey(signWith ?? pem)).toString('base64url'),
    publicKeyRawBase64UrlFromPem: (pem: string) =>
      createPublicKey(pem).export({ type: 'spki', format: 'der' }).subarray(-32).toString('base64url'),
    storeDeviceAuthToken: (p: { token: string; scopes: string[] }) => void stored.push(p),
  };
  return { identity, hostDeps, stored };
}

const until = async (check: () => boolean, ms = 5_000, what = 'condition') => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

afterEach(async () => {
  // Clients first, so that no gateway waits for a client that would reconnect to it.
  for (const item of started.splice(0).reverse()) {
    if (item instanceof FakeGateway) await item.close();
    else item.client.stop();
  }
});

describe('the fake gateway, driven by @openclaw/gateway-client', () => {
  it('answers the challenge handshake with a hello-ok that the protocol schema accepts, and records the connect', async () => {
    const gw = await gateway({ methods: ['health', 'sessions.list'] });
    const hello = await connect(gw, { scopes: ['operator.read', 'operator.write'] }).hello;
    expect(Value.Check(HelloOkSchema, hello)).toBe(true);
    expect(hello).toMatchObject({
      type: 'hello-ok',
      protocol: 4,
      server: { version: '2026.9.6' },
      features: { methods: ['health', 'sessions.list'] },
      auth: { role: 'operator', scopes: ['operator.read', 'operator.write'] },
    });
    const connect_ = gw.requests.find((r) => r.method === 'connect')?.params as any;
    expect(connect_).toMatchObject({
      minProtocol: 4,
      maxProtocol: 4,
      client: { id: 'gateway-client', mode: 'backend', displayName: 'Mission Control' },
      auth: { token: gw.token },
    });
  });

  it('correlates answers that arrive out of order, and answers scripted payloads and errors', async () => {
    const gw = await gateway();
    const c = connect(gw, { scopes: ['operator.read', 'operator.write'] });
    await c.hello;
    gw.delay('usage.status', 300).handle('health', () => ({ ok: true, scripted: 1 }), 1);
    const [slow, fast] = await Promise.all([c.client.request('usage.status', {}), c.client.request('health', {})]);
    expect(slow).toMatchObject({ providers: [] });
    expect(fast).toEqual({ ok: true, scripted: 1 });
    expect(await c.client.request('health', {})).toMatchObject({ ok: true, durationMs: 0 });
    gw.fail('sessions.list', { code: 'UNAVAILABLE', message: 'busy', retryable: true, retryAfterMs: 50 }, 1);
    await expect(c.client.request('sessions.list', {})).rejects.toMatchObject({
      gatewayCode: 'UNAVAILABLE',
      message: 'busy',
      retryable: true,
      retryAfterMs: 50,
    });
    gw.delay('health', Infinity);
    await expect(c.client.request('health', {}, { timeoutMs: 200 })).rejects.toMatchObject({ code: 'CLIENT_TIMEOUT' });
    expect(gw.requests.map((r) => r.method)).toEqual(
      expect.arrayContaining(['connect', 'usage.status', 'health', 'sessions.list']),
    );
  });

  it('refuses by scope as the gateway does: missing scope with details, unknown methods, run ownership', async () => {
    const gw = await gateway({ methods: ['sessions.abort', 'chat.send'] });
    const reader = connect(gw);
    const writer = connect(gw, { scopes: ['operator.read', 'operator.write'] });
    const admin = connect(gw, { scopes: ['operator.read', 'operator.write', 'operator.admin'] });
    await Promise.all([reader.hello, writer.hello, admin.hello]);
    await expect(reader.client.request('sessions.abort', { key: 'agent:main:main' })).rejects.toMatchObject({
      gatewayCode: 'FORBIDDEN',
      message: 'missing scope: operator.write',
      details: { code: 'MISSING_SCOPE', missingScope: 'operator.write', requiredScopes: ['operator.write'] },
    });
    await expect(writer.client.request('sessions.list', {})).rejects.toMatchObject({
      message: 'missing scope: operator.admin',
    });
    await expect(admin.client.request('sessions.list', {})).rejects.toMatchObject({
      gatewayCode: 'INVALID_REQUEST',
      message: 'unknown method: sessions.list',
    });
    expect(await writer.client.request('sessions.abort', { key: 'agent:main:none' })).toEqual({
      ok: true,
      abortedRunId: null,
      status: 'no-active-run',
    });
    const runId = gw.state.startRun('agent:main:main');
    await expect(writer.client.request('sessions.abort', { key: 'agent:main:main' })).rejects.toMatchObject({
      gatewayCode: 'INVALID_REQUEST',
      message: 'unauthorized',
    });
    expect(await admin.client.request('sessions.abort', { key: 'agent:main:main' })).toEqual({
      ok: true,
      abortedRunId: runId,
      status: 'aborted',
    });
    // A run this connection started is its own to stop.
    const own = (await writer.client.request('chat.send', {
      sessionKey: 'agent:main:own',
      message: 'hi',
      idempotencyKey: 'k1',
    })) as { runId: string };
    expect(await writer.client.request('sessions.abort', { key: 'agent:main:own' })).toMatchObject({
      abortedRunId: own.runId,
    });
    await expect(writer.client.request('chat.send', { sessionKey: 'agent:main:own', message: 'x' })).rejects.toThrow(
      "invalid chat.send params: must have required property 'idempotencyKey'",
    );
  });

  it('sends events in sequence to connected clients: sessions.changed and lifecycle of a run, exec approvals', async () => {
    const gw = await gateway();
    const reviewer = connect(gw, { scopes: ['operator.read', 'operator.admin'], caps: ['approvals'] });
    const watcher = connect(gw);
    await Promise.all([reviewer.hello, watcher.hello]);
    gw.state.startRun('agent:main:main');
    const approval = gw.state.requestApproval({ sessionKey: 'agent:main:main', command: 'touch /tmp/x' });
    await until(() => reviewer.events.some((e) => e.event === 'exec.approval.requested'), 5_000, 'the request');
    expect(reviewer.events.map((e) => e.event)).toEqual(['sessions.changed', 'agent', 'exec.approval.requested']);
    expect(reviewer.events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(reviewer.events[0].payload).toMatchObject({ reason: 'agent.run.started', session: { hasActiveRun: true } });
    expect(watcher.events.map((e) => e.event)).toEqual(['sessions.changed', 'agent']);
    const request = reviewer.events[2].payload;
    expect(request).toMatchObject({
      id: approval.id,
      request: { command: 'touch /tmp/x', allowedDecisions: ['allow-once', 'deny'] },
    });
    expect(await reviewer.client.request('exec.approval.list', {})).toHaveLength(1);
    await expect(
      reviewer.client.request('exec.approval.resolve', { id: approval.id, decision: 'allow-always' }),
    ).rejects.toMatchObject({ details: { reason: 'APPROVAL_ALLOW_ALWAYS_UNAVAILABLE' } });
    await expect(
      reviewer.client.request('exec.approval.resolve', { id: 'nope', decision: 'deny' }),
    ).rejects.toMatchObject({ details: { reason: 'APPROVAL_NOT_FOUND' } });
    expect(await reviewer.client.request('exec.approval.resolve', { id: approval.id, decision: 'deny' })).toEqual({
      ok: true,
    });
    await until(() => reviewer.events.some((e) => e.event === 'exec.approval.resolved'), 5_000, 'resolved');
    expect(gw.state.approvals.get(approval.id)?.resolved?.decision).toBe('deny');
  });

  it('refuses a wrong token, a protocol it does not speak and a bad device proof; the client stops retrying', async () => {
    const gw = await gateway();
    gw.refuseAuth = true;
    const refused = connect(gw);
    await expect(refused.hello).rejects.toMatchObject({ details: { code: 'AUTH_TOKEN_MISMATCH' } });
    await until(() => refused.paused.length > 0, 5_000, 'paused reconnect');
    expect(refused.paused[0]).toMatchObject({ code: 1008, detailCode: 'AUTH_TOKEN_MISMATCH' });
    gw.refuseAuth = false;

    const v5 = await gateway({ protocol: 5 });
    const old = connect(v5);
    await expect(old.hello).rejects.toMatchObject({ details: { code: 'PROTOCOL_MISMATCH', expectedProtocol: 5 } });
    await until(() => old.paused.length > 0, 5_000, 'paused reconnect');
    expect(old.paused[0]).toMatchObject({ code: 1002 });

    const other = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const forged = deviceIdentity(other);
    const bad = connect(gw, { deviceIdentity: forged.identity, hostDeps: forged.hostDeps });
    await expect(bad.hello).rejects.toMatchObject({ details: { code: 'DEVICE_AUTH_SIGNATURE_INVALID' } });
  });

  it('requires pairing of a device, then accepts it and issues a device token', async () => {
    const gw = await gateway({ requirePairing: true });
    const device = deviceIdentity();
    const first = connect(gw, { deviceIdentity: device.identity, hostDeps: device.hostDeps });
    const error: any = await first.hello.catch((e) => e);
    expect(error.details).toMatchObject({
      code: 'PAIRING_REQUIRED',
      reason: 'not-paired',
      deviceId: device.identity.deviceId,
    });
    await until(() => first.paused.length > 0, 5_000, 'paused reconnect');
    expect(first.paused[0].reason).toContain(`requestId: ${error.details.requestId}`);
    expect(gw.pairingRequests.get(device.identity.deviceId)).toBe(error.details.requestId);
    first.client.stop();
    await expect(connect(gw).hello).rejects.toMatchObject({ details: { code: 'DEVICE_IDENTITY_REQUIRED' } });

    gw.approveDevice(device.identity.deviceId);
    const second = connect(gw, { deviceIdentity: device.identity, hostDeps: device.hostDeps });
    const hello = await second.hello;
    expect(hello.auth.deviceToken).toEqual(expect.any(String));
    expect(device.stored).toEqual([expect.objectContaining({ token: hello.auth.deviceToken })]);
  });

  it('is left and found again: dropped connections, a shutdown, a gateway that is gone and comes back', async () => {
    const gw = await gateway();
    const c = connect(gw);
    await c.hello;
    gw.dropConnections();
    await until(() => c.closes.length === 1 && gw.connections().length === 1, 10_000, 'the reconnect after a drop');
    expect(c.closes[0].code).toBe(1006);

    await gw.shutdown();
    await until(() => c.closes.length === 2, 5_000, 'the close on shutdown');
    expect(c.closes[1]).toEqual({ code: 1012, reason: 'service restart' });
    expect(c.events.some((e) => e.event === 'shutdown')).toBe(true);
    await until(() => c.errors.some((e) => /ECONNREFUSED/.test(String(e?.message))), 5_000, 'a refused reconnect');

    await gw.listen();
    await until(() => gw.connections().length === 1, 15_000, 'the reconnect to the same port');
    expect(await c.client.request('health', {})).toMatchObject({ ok: true });
  });
});
