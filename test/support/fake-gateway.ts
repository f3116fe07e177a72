import { createHash, createPublicKey, randomUUID, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import WebSocket, { WebSocketServer } from 'ws';
import {
  ConnectParams,
  ErrorCodes,
  ErrorShape,
  EventFrame,
  HelloOk,
  PROTOCOL_VERSION,
  RequestFrame,
  ResponseFrame,
  formatValidationErrors,
  missingScopeErrorShape,
  validateConnectParams,
  validateRequestFrame,
} from '@openclaw/gateway-protocol';
import { buildDeviceAuthPayload, buildDeviceAuthPayloadV3 } from '@openclaw/gateway-client';
import { DEFAULT_EVENTS, DEFAULT_METHODS, FakeGatewayError, FakeGatewayState, Handler } from './fake-gateway-state';

export { FakeGatewayError } from './fake-gateway-state';
export type { FakeApproval, FakeSession, Handler } from './fake-gateway-state';

/**
 * A protocol-level fake of the OpenClaw gateway (protocol 4) for end-to-end tests: the frames, handshake,
 * errors and close codes that a real `openclaw gateway run` sends (checked against openclaw 2026.9.6 with
 * @openclaw/gateway-client 2026.9.1), with typed frames and the request and connect validators of
 * @openclaw/gateway-protocol, method scopes from its protocol.schema.json, and device proofs checked as the
 * gateway does. Scriptable: which methods and events hello-ok lists, answers and errors per method, delays,
 * events, refused auth, required pairing, dropped connections, restarts; every request it receives is kept.
 */
export interface FakeGatewayOptions {
  /** A fixed port (to come back on after close()); 0 by default. */
  port?: number;
  /** The shared secret in `connect.params.auth.token` (or `password`); null: none is accepted. */
  token?: string | null;
  password?: string;
  /** hello-ok `server.version`. */
  version?: string;
  /** The one protocol version this gateway speaks. */
  protocol?: number;
  /** hello-ok `features.methods` (a method not listed is unknown); the default is what Mission Control uses. */
  methods?: string[];
  events?: string[];
  /** Every connection needs an approved device identity, as on a remote gateway. */
  requirePairing?: boolean;
  /** hello-ok `policy.tickIntervalMs`, and how often `tick` is sent (0: never). */
  tickIntervalMs?: number;
}

export interface FakeConnection {
  id: string;
  ws: WebSocket;
  nonce: string;
  params?: ConnectParams;
  /** Set once hello-ok was sent. */
  helloAt?: number;
  role: string;
  scopes: string[];
  caps: string[];
  deviceId?: string;
  /** Event sequence on this connection (the next event gets seq + 1). */
  seq: number;
}

export interface ReceivedRequest {
  at: number;
  connId: string;
  id: string;
  method: string;
  params: unknown;
}

type Script = { handler: Handler; times: number };

const SCOPES_BY_METHOD: Record<string, { scope?: string }> = JSON.parse(
  readFileSync(join(dirname(require.resolve('@openclaw/gateway-protocol')), '..', 'protocol.schema.json'), 'utf8'),
).methods;

/** The scope a method needs: the schema's, operator.admin for anything it does not know (as the gateway does). */
export function requiredScope(method: string): string {
  return SCOPES_BY_METHOD[method]?.scope ?? 'operator.admin';
}

/** operator.admin satisfies every scope, operator.write satisfies read. */
export function hasScope(granted: string[], needed: string): boolean {
  return (
    granted.includes(needed) ||
    granted.includes('operator.admin') ||
    (needed === 'operator.read' && granted.includes('operator.write'))
  );
}

export class FakeGateway {
  readonly state: FakeGatewayState;
  readonly requests: ReceivedRequest[] = [];
  /** Every connect attempt, accepted or not, with the error sent. */
  readonly connects: { at: number; connId: string; params: unknown; error?: ErrorShape }[] = [];
  methods: string[];
  events: string[];
  token: string | null;
  password?: string;
  requirePairing: boolean;
  /** While set, every connect is refused as a token mismatch. */
  refuseAuth = false;
  readonly approvedDevices = new Set<string>();
  /** Pending pairing request id per device, stable across attempts (as `openclaw devices list` shows). */
  readonly pairingRequests = new Map<string, string>();
  private readonly deviceTokens = new Map<string, string>();
  private readonly scripts = new Map<string, Script[]>();
  private readonly delays = new Map<string, number>();
  private readonly live = new Map<string, FakeConnection>();
  private server?: Server;
  private wss?: WebSocketServer;
  private tickTimer?: NodeJS.Timeout;
  private readonly bootId = randomUUID();
  private readonly startedAt = Date.now();
  port = 0;

  private constructor(readonly options: FakeGatewayOptions) {
    this.methods = [...(options.methods ?? DEFAULT_METHODS)];
    this.events = [...(options.events ?? DEFAULT_EVENTS)];
    this.token = options.token === undefined ? 'fake-gateway-token' : options.token;
    this.password = options.password;
    this.requirePairing = options.requirePairing ?? false;
    this.state = new FakeGatewayState(this);
  }

  static async start(options: FakeGatewayOptions = {}): Promise<FakeGateway> {
    const gateway = new FakeGateway(options);
    gateway.port = options.port ?? 0;
    await gateway.listen();
    return gateway;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** Listens (again, on the same port after close()). */
  async listen(): Promise<void> {
    const server = createServer((_, res) => res.writeHead(426).end('upgrade required'));
    const wss = new WebSocketServer({ server, maxPayload: 25 * 1024 * 1024 });
    wss.on('connection', (ws) => this.accept(ws));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    this.wss = wss;
    const tick = this.options.tickIntervalMs ?? 30_000;
    if (tick > 0) this.tickTimer = setInterval(() => this.emit('tick', { ts: Date.now() }), tick);
  }

  /** Stops listening and cuts every connection (code 1006 at the client): an unreachable gateway. */
  async close(): Promise<void> {
    clearInterval(this.tickTimer);
    this.dropConnections();
    await new Promise<void>((resolve) => this.wss?.close(() => resolve()));
    await new Promise<void>((resolve) => {
      this.server?.closeAllConnections();
      this.server?.close(() => resolve());
    });
    this.server = undefined;
    this.wss = undefined;
  }

  /** What `openclaw gateway` does on SIGTERM: a `shutdown` event, close 1012, then nothing listens. */
  async shutdown(): Promise<void> {
    this.emit('shutdown', { reason: 'gateway stopping' });
    for (const conn of this.live.values()) conn.ws.close(1012, 'service restart');
    await this.close();
  }

  /** Connections that got hello-ok and are still open. */
  connections(): FakeConnection[] {
    return [...this.live.values()].filter((c) => c.helloAt !== undefined && c.ws.readyState === WebSocket.OPEN);
  }

  /** Cuts connections: with a close code, a clean close; without, the socket is destroyed (1006). */
  dropConnections(code?: number, reason = ''): void {
    for (const conn of this.live.values()) {
      if (code === undefined) conn.ws.terminate();
      else conn.ws.close(code, reason);
    }
  }

  /** Replaces a method's answer; `times` answers only (then the previous script or the default). */
  handle(method: string, handler: Handler, times = Infinity): this {
    const list = this.scripts.get(method) ?? [];
    list.unshift({ handler, times });
    this.scripts.set(method, list);
    return this;
  }

  /** Answers a method with this error (the gateway's ErrorShape). */
  fail(method: string, error: ErrorShape, times = Infinity): this {
    return this.handle(
      method,
      () => {
        throw new FakeGatewayError(error);
      },
      times,
    );
  }

  /** Delays every answer to a method; Infinity never answers (for client timeouts). */
  delay(method: string, ms: number): this {
    this.delays.set(method, ms);
    return this;
  }

  approveDevice(deviceId: string): void {
    this.approvedDevices.add(deviceId);
    this.pairingRequests.delete(deviceId);
  }

  /** Sends an event to every connection that got hello-ok (or those `to` keeps); returns how many got it. */
  emit(event: string, payload: unknown, to: (conn: FakeConnection) => boolean = () => true): number {
    let sent = 0;
    for (const conn of this.connections()) {
      if (!to(conn)) continue;
      const frame: EventFrame = { type: 'event', event, payload, seq: ++conn.seq };
      conn.ws.send(JSON.stringify(frame));
      sent++;
    }
    return sent;
  }

  /** Resolves with the first request (received from now on, or already) that matches. */
  async waitForRequest(
    method: string,
    match: (request: ReceivedRequest) => boolean = () => true,
    timeoutMs = 5_000,
  ): Promise<ReceivedRequest> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.requests.find((r) => r.method === method && match(r));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`the fake gateway got no ${method} in ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async waitForConnections(count: number, timeoutMs = 5_000): Promise<FakeConnection[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.connections().length < count) {
      if (Date.now() > deadline) throw new Error(`${this.connections().length} connections, not ${count}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return this.connections();
  }

  private accept(ws: WebSocket): void {
    const conn: FakeConnection = { id: randomUUID(), ws, nonce: randomUUID(), role: '', scopes: [], caps: [], seq: 0 };
    this.live.set(conn.id, conn);
    ws.on('close', () => this.live.delete(conn.id));
    ws.on('message', (data, isBinary) => void this.receive(conn, isBinary ? null : String(data)));
    ws.send(
      JSON.stringify({ type: 'event', event: 'connect.challenge', payload: { nonce: conn.nonce, ts: Date.now() } }),
    );
  }

  private async receive(conn: FakeConnection, text: string | null): Promise<void> {
    let frame: unknown;
    try {
      frame = text === null ? undefined : JSON.parse(text);
    } catch {
      frame = undefined;
    }
    if (!validateRequestFrame(frame)) {
      const id = (frame as { id?: unknown })?.id;
      const message = `invalid request frame: ${formatValidationErrors(validateRequestFrame.errors)}`;
      if (typeof id === 'string' && id) this.reply(conn, id, undefined, { code: ErrorCodes.INVALID_REQUEST, message });
      if (conn.helloAt === undefined) conn.ws.close(1008, 'invalid request frame');
      return;
    }
    const request = frame as RequestFrame;
    this.requests.push({
      at: Date.now(),
      connId: conn.id,
      id: request.id,
      method: request.method,
      params: request.params,
    });
    if (conn.helloAt === undefined) return this.handshake(conn, request);
    const error = this.authorize(conn, request.method);
    if (error) return this.reply(conn, request.id, undefined, error);
    const delay = this.delays.get(request.method) ?? 0;
    if (delay === Infinity) return;
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    try {
      const payload = await this.answer(conn, request);
      this.reply(conn, request.id, payload);
    } catch (thrown) {
      const shape: ErrorShape =
        thrown instanceof FakeGatewayError
          ? thrown.shape
          : { code: ErrorCodes.UNAVAILABLE, message: `fake gateway: ${(thrown as Error).message}` };
      this.reply(conn, request.id, undefined, shape);
    }
  }

  private answer(conn: FakeConnection, request: RequestFrame): unknown {
    const scripts = this.scripts.get(request.method);
    const script = scripts?.find((s) => s.times > 0);
    if (script) {
      script.times--;
      return script.handler(request.params ?? {}, { conn, gateway: this, frame: request });
    }
    const handler = this.state.handlers[request.method];
    if (!handler)
      throw new FakeGatewayError({ code: ErrorCodes.UNAVAILABLE, message: `no answer for ${request.method}` });
    return handler(request.params ?? {}, { conn, gateway: this, frame: request });
  }

  /** Method scope first, then whether the method exists at all (so non-admins see missing scope, as live). */
  private authorize(conn: FakeConnection, method: string): ErrorShape | undefined {
    const known = this.methods.includes(method);
    const needed = known ? requiredScope(method) : 'operator.admin';
    if (!hasScope(conn.scopes, needed))
      return missingScopeErrorShape({ missingScope: needed, requiredScopes: [needed] });
    if (!known) return { code: ErrorCodes.INVALID_REQUEST, message: `unknown method: ${method}` };
    return undefined;
  }

  private handshake(conn: FakeConnection, request: RequestFrame): void {
    const refuse = (error: ErrorShape, code = 1008, reason = 'connect failed') => {
      this.connects.push({ at: Date.now(), connId: conn.id, params: request.params, error });
      this.reply(conn, request.id, undefined, error);
      conn.ws.close(code, reason);
    };
    if (request.method !== 'connect')
      return refuse({ code: ErrorCodes.INVALID_REQUEST, message: 'first request must be connect' });
    if (!validateConnectParams(request.params))
      return refuse({
        code: ErrorCodes.INVALID_REQUEST,
        message: `invalid connect params: ${formatValidationErrors(validateConnectParams.errors)}`,
      });
    const params = request.params as ConnectParams;
    const protocol = this.options.protocol ?? PROTOCOL_VERSION;
    if (params.minProtocol > protocol || params.maxProtocol < protocol)
      return refuse(
        {
          code: ErrorCodes.INVALID_REQUEST,
          message: `protocol mismatch: client v${params.maxProtocol}, Gateway v${protocol}`,
          details: {
            code: 'PROTOCOL_MISMATCH',
            clientMinProtocol: params.minProtocol,
            clientMaxProtocol: params.maxProtocol,
            expectedProtocol: protocol,
          },
        },
        1002,
        'protocol mismatch',
      );
    const device = params.device;
    const auth = (params.auth ?? {}) as { token?: string; password?: string; deviceToken?: string };
    const viaDeviceToken =
      device !== undefined && auth.token !== undefined && this.deviceTokens.get(device.id) === auth.token;
    const shared =
      (this.token !== null && auth.token === this.token) ||
      (this.password !== undefined && auth.password === this.password);
    if (this.refuseAuth || (!shared && !viaDeviceToken && (auth.token !== undefined || auth.password !== undefined)))
      return refuse({
        code: ErrorCodes.INVALID_REQUEST,
        message: 'unauthorized: gateway token mismatch (provide gateway auth token)',
        details: {
          code: 'AUTH_TOKEN_MISMATCH',
          authReason: 'token_mismatch',
          canRetryWithDeviceToken: false,
          recommendedNextStep: 'update_auth_credentials',
        },
      });
    if (!device && (!shared || this.requirePairing))
      return refuse({
        code: ErrorCodes.NOT_PAIRED,
        message: 'device identity required',
        details: { code: 'DEVICE_IDENTITY_REQUIRED' },
      });
    if (device) {
      const problem = checkDeviceProof(params, conn.nonce, [auth.token, auth.deviceToken, auth.password, '']);
      if (problem)
        return refuse({ code: ErrorCodes.INVALID_REQUEST, message: problem.message, details: problem.details });
      if (this.requirePairing && !this.approvedDevices.has(device.id)) {
        const requestId = this.pairingRequests.get(device.id) ?? randomUUID();
        this.pairingRequests.set(device.id, requestId);
        return refuse(
          {
            code: ErrorCodes.NOT_PAIRED,
            message: 'pairing required: device is not approved yet',
            details: {
              code: 'PAIRING_REQUIRED',
              reason: 'not-paired',
              requestId,
              remediationHint: 'Approve this device from the pending pairing requests.',
              deviceId: device.id,
              requestedRole: params.role ?? 'operator',
              requestedScopes: params.scopes ?? [],
            },
          },
          1008,
          `pairing required: device is not approved yet (requestId: ${requestId})`,
        );
      }
    }
    conn.params = params;
    conn.role = params.role ?? 'operator';
    conn.scopes = [...(params.scopes ?? [])];
    conn.caps = [...(params.caps ?? [])];
    conn.deviceId = device?.id;
    this.connects.push({ at: Date.now(), connId: conn.id, params });
    const deviceToken = device && this.approvedDevices.has(device.id) ? this.deviceTokenFor(device.id) : undefined;
    const hello: HelloOk = {
      type: 'hello-ok',
      protocol,
      server: { version: this.options.version ?? '2026.9.6', bootId: this.bootId, connId: conn.id },
      features: { methods: [...this.methods], events: [...this.events] },
      snapshot: {
        presence: [],
        health: { ok: true, ts: Date.now(), durationMs: 0 },
        stateVersion: { presence: 0, health: 0 },
        uptimeMs: Date.now() - this.startedAt,
      },
      // A live gateway also sends auth.method and auth.recoveryScope, which HelloOkSchema does not allow.
      auth: {
        role: conn.role,
        scopes: conn.scopes,
        ...(deviceToken ? { deviceToken, issuedAtMs: Date.now() } : {}),
      },
      policy: {
        maxPayload: 25 * 1024 * 1024,
        maxBufferedBytes: 50 * 1024 * 1024,
        tickIntervalMs: this.options.tickIntervalMs || 30_000,
      },
    };
    conn.helloAt = Date.now();
    this.reply(conn, request.id, hello);
  }

  private deviceTokenFor(deviceId: string): string {
    const token = this.deviceTokens.get(deviceId) ?? randomUUID();
    this.deviceTokens.set(deviceId, token);
    return token;
  }

  private reply(conn: FakeConnection, id: string, payload?: unknown, error?: ErrorShape): void {
    if (conn.ws.readyState !== WebSocket.OPEN) return;
    const frame: ResponseFrame = error ? { type: 'res', id, ok: false, error } : { type: 'res', id, ok: true, payload };
    conn.ws.send(JSON.stringify(frame));
  }
}

/** The gateway's device checks: id = SHA-256 of the raw Ed25519 key, the challenge nonce, a v3 (or v2) signature. */
function checkDeviceProof(
  params: ConnectParams,
  nonce: string,
  tokens: (string | undefined)[],
): { message: string; details: { code: string; reason: string } } | undefined {
  const device = params.device!;
  const fail = (message: string, code: string, reason: string) => ({ message, details: { code, reason } });
  let raw: Buffer;
  try {
    raw = Buffer.from(device.publicKey, 'base64url');
    if (raw.length !== 32) throw new Error('length');
  } catch {
    return fail('device public key invalid', 'DEVICE_AUTH_PUBLIC_KEY_INVALID', 'device-public-key');
  }
  if (createHash('sha256').update(raw).digest('hex') !== device.id)
    return fail('device identity mismatch', 'DEVICE_AUTH_DEVICE_ID_MISMATCH', 'device-id-mismatch');
  if (device.nonce !== nonce)
    return fail('device nonce mismatch', 'DEVICE_AUTH_NONCE_MISMATCH', 'device-nonce-mismatch');
  const key = createPublicKey({
    key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]),
    format: 'der',
    type: 'spki',
  });
  // The signature binds the credential sent with it (whichever of them the client used).
  const payloads = tokens.flatMap((token) => {
    if (token === undefined) return [];
    const base = {
      deviceId: device.id,
      clientId: params.client.id,
      clientMode: params.client.mode,
      role: params.role ?? 'operator',
      scopes: params.scopes ?? [],
      signedAtMs: device.signedAt,
      token,
      nonce: device.nonce,
    };
    const v3 = { ...base, platform: params.client.platform, deviceFamily: params.client.deviceFamily };
    return [buildDeviceAuthPayloadV3(v3), buildDeviceAuthPayload(base)];
  });
  const signature = Buffer.from(device.signature, 'base64url');
  if (!payloads.some((payload) => verify(null, Buffer.from(payload, 'utf8'), key, signature)))
    return fail('device signature invalid', 'DEVICE_AUTH_SIGNATURE_INVALID', 'device-signature');
  return undefined;
}
