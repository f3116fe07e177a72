import { Logger } from '@nestjs/common';
import type { GatewayClient } from '@openclaw/gateway-client';
import { serviceVersion } from '../common/project';
import { GatewaySetting } from '../config/gateways';
import { GATEWAY_METHODS, GATEWAY_PROTOCOL, GatewayScope, GatewayState, GatewayView } from '../contracts/gateways';
import { DeviceIdentity } from './device-identity';
import type { GatewayClientModule } from './gateway-client-loader';

export interface ConnectionOptions {
  setting: GatewaySetting;
  source: GatewayView['source'];
  scopes: GatewayScope[];
  caps: string[];
  identity: DeviceIdentity;
  client: GatewayClientModule;
  /** The first reconnect's delay; the others are multiples of it (see delayAfter). */
  retryBaseMs: number;
  onState(view: GatewayView, previous: GatewayState): void;
  onEvent(event: string, payload: unknown, seq: number | null): void;
}

/** A request to a gateway that is not connected now: its state says why. */
export class GatewayNotConnectedError extends Error {
  constructor(
    readonly gatewayId: string,
    readonly state: GatewayState,
  ) {
    super(`The gateway "${gatewayId}" is not connected (${state})`);
  }
}

/** A request for a method this gateway's hello-ok does not list. */
export class GatewayMethodMissingError extends Error {
  constructor(
    readonly gatewayId: string,
    readonly method: string,
  ) {
    super(`The gateway "${gatewayId}" does not offer ${method}`);
  }
}

const RTT_EVERY_MS = 30_000;
/** Events too frequent or too internal to pass on. */
const UNPASSED_EVENTS = new Set(['tick', 'connect.challenge']);

/**
 * One gateway: a GatewayClient per attempt, whose own reconnect is never used (it has no jitter and gives
 * up on refused auth, pairing and protocol). After any close this stops the client and makes a new one
 * when its own timer fires: exponential with jitter while unreachable, slower while refused.
 */
export class GatewayConnection {
  private readonly logger = new Logger('Gateways');
  private state: GatewayState = 'connecting';
  private client: GatewayClient | null = null;
  private attempt = 0;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private rttTimer: NodeJS.Timeout | null = null;
  private retryAt: number | null = null;
  private connectedSince: number | null = null;
  everConnected = false;
  private version: string | null = null;
  private protocol: number | null = null;
  private methods = new Set<string>();
  private granted: string[] = [];
  private rtt: number | null = null;
  private lastError: GatewayView['last_error'] = null;
  private pairingCommand: string | undefined;
  /** The state last logged at warn level, so that a retry into the same state stays at debug. */
  private warned: GatewayState | null = null;

  constructor(private readonly options: ConnectionOptions) {}

  get id(): string {
    return this.options.setting.id;
  }

  get current(): GatewayState {
    return this.state;
  }

  start(): void {
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.rttTimer) clearInterval(this.rttTimer);
    const client = this.client;
    this.client = null;
    client?.stop();
  }

  /** A request to the gateway, for action code: refused at once unless connected and the method is offered. */
  async request<T = unknown>(method: string, params: unknown, timeoutMs?: number): Promise<T> {
    const client = this.client;
    if (!client || this.state !== 'connected') throw new GatewayNotConnectedError(this.id, this.state);
    if (!this.methods.has(method)) throw new GatewayMethodMissingError(this.id, method);
    return client.request<T>(method, params, timeoutMs ? { timeoutMs } : undefined);
  }

  view(): GatewayView {
    const { setting, source, scopes, identity } = this.options;
    return {
      id: setting.id,
      label: setting.label,
      url: setting.url,
      source,
      agent_prefix: setting.agentPrefix,
      state: this.state,
      openclaw_version: this.version,
      protocol: this.protocol,
      missing_methods: this.version === null ? [] : GATEWAY_METHODS.filter((m) => !this.methods.has(m)),
      scopes: { requested: scopes, granted: this.granted },
      last_error: this.lastError,
      rtt_ms: this.rtt,
      connected_since: this.connectedSince === null ? null : new Date(this.connectedSince).toISOString(),
      retry_at: this.retryAt === null ? null : new Date(this.retryAt).toISOString(),
      device_id: identity.deviceId,
      ...(this.state === 'pairing_required' && this.pairingCommand && { pairing_command: this.pairingCommand }),
    };
  }

  private connect(): void {
    if (this.stopped) return;
    this.retryAt = null;
    const { setting, scopes, caps, identity } = this.options;
    const secret = setting.auth?.secret.reveal();
    const client: GatewayClient = new this.options.client.GatewayClient({
      url: setting.url,
      ...(setting.auth?.kind === 'token' && { token: secret }),
      ...(setting.auth?.kind === 'password' && { password: secret }),
      clientName: 'gateway-client',
      clientDisplayName: 'Mission Control',
      clientVersion: serviceVersion(),
      mode: 'backend',
      role: 'operator',
      scopes: [...scopes],
      caps: [...caps],
      minProtocol: GATEWAY_PROTOCOL,
      maxProtocol: GATEWAY_PROTOCOL,
      deviceIdentity: identity.keys,
      hostDeps: identity.hostDeps(setting.id),
      onHelloOk: (hello) => client === this.client && this.connected(hello),
      onConnectError: (error) => client === this.client && this.failed(client, error),
      onClose: (code, reason) => client === this.client && this.closed(client, code, reason),
      onEvent: (frame) => {
        if (client !== this.client || UNPASSED_EVENTS.has(frame.event)) return;
        this.options.onEvent(frame.event, frame.payload, typeof frame.seq === 'number' ? frame.seq : null);
      },
    });
    this.client = client;
    client.start();
  }

  private connected(hello: {
    protocol?: number;
    server?: { version?: string };
    features?: { methods?: string[] };
    auth?: { scopes?: string[] };
  }): void {
    this.attempt = 0;
    this.everConnected = true;
    this.connectedSince = Date.now();
    this.version = hello.server?.version ?? null;
    this.protocol = hello.protocol ?? null;
    this.methods = new Set(hello.features?.methods ?? []);
    this.granted = hello.auth?.scopes ?? [];
    this.pairingCommand = undefined;
    this.setState('connected', null);
    void this.measure();
    if (this.rttTimer) clearInterval(this.rttTimer);
    this.rttTimer = setInterval(() => void this.measure(), RTT_EVERY_MS).unref();
  }

  private async measure(): Promise<void> {
    if (!this.methods.has('health')) return;
    const started = performance.now();
    try {
      await this.request('health', {}, 10_000);
      this.rtt = Math.round((performance.now() - started) * 10) / 10;
    } catch {
      // A lost connection says so through its close.
    }
  }

  /** The connect was refused or never answered: classified by the gateway's detail code. */
  private failed(client: GatewayClient, error: Error): void {
    const details = (error as { details?: { code?: string; requestId?: string } }).details;
    const code = details?.code ?? (error as { gatewayCode?: string }).gatewayCode ?? (error as { code?: string }).code;
    let state: GatewayState = 'unreachable';
    if (code === 'PAIRING_REQUIRED') {
      state = 'pairing_required';
      this.pairingCommand = details?.requestId ? `openclaw devices approve ${details.requestId}` : undefined;
    } else if (code === 'PROTOCOL_MISMATCH' || code === 'CLIENT_VERSION_MISMATCH') state = 'protocol_mismatch';
    else if (code && /^(AUTH_|DEVICE_AUTH_|DEVICE_IDENTITY_REQUIRED)/.test(code)) state = 'auth_failed';
    this.end(client, state, { code: code ?? null, message: error.message });
  }

  private closed(client: GatewayClient, code: number, reason: string): void {
    const message = `connection closed (${code}${reason ? ` ${reason}` : ''})`;
    this.end(client, 'unreachable', { code: `close ${code}`, message });
  }

  private end(client: GatewayClient, state: GatewayState, error: { code: string | null; message: string }): void {
    this.client = null;
    client.stop();
    if (this.rttTimer) clearInterval(this.rttTimer);
    this.rttTimer = null;
    this.connectedSince = null;
    this.rtt = null;
    this.lastError = { ...error, message: this.redact(error.message), at: new Date().toISOString() };
    const delay = this.delayAfter(state);
    this.retryAt = Date.now() + delay;
    this.setState(state, delay);
    if (this.stopped) return;
    this.retryTimer = setTimeout(() => this.connect(), delay);
    this.retryTimer.unref();
  }

  /** Jittered, so that instances and gateways do not retry in step: 50-100% of the step. */
  private delayAfter(state: GatewayState): number {
    const base = this.options.retryBaseMs;
    const step =
      state === 'pairing_required'
        ? 15 * base
        : state === 'auth_failed'
          ? 60 * base
          : state === 'protocol_mismatch'
            ? 300 * base
            : Math.min(30 * base, base * 2 ** this.attempt++);
    return Math.round(step * (0.5 + Math.random() / 2));
  }

  private setState(state: GatewayState, retryIn: number | null): void {
    const previous = this.state;
    this.state = state;
    const { id, url } = this.options.setting;
    if (state === 'connected') {
      this.warned = null;
      this.logger.log(`Gateway ${id} (${url}) connected: OpenClaw ${this.version ?? '?'}, protocol ${this.protocol}`);
    } else if (this.warned !== state) {
      this.warned = state;
      const extra =
        state === 'pairing_required' && this.pairingCommand ? `; on the gateway host: ${this.pairingCommand}` : '';
      this.logger.warn(
        `Gateway ${id} (${url}) ${state.replace('_', ' ')}: ${this.lastError?.message}${extra}; retrying quietly in the background`,
      );
    } else this.logger.debug(`Gateway ${id}: still ${state}; next attempt in ${retryIn} ms`);
    if (previous !== state) this.options.onState(this.view(), previous);
  }

  /** Messages come from the gateway and the client; a secret is cut out should one ever echo it. */
  private redact(message: string): string {
    const secret = this.options.setting.auth?.secret.reveal();
    return secret ? message.split(secret).join('[redacted]') : message;
  }
}
