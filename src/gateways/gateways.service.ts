import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { LeaderWork, LeadershipHooks } from '../cluster/leader-only';
import { ApiTokens } from '../common/api-tokens';
import { DomainEventBus } from '../common/domain-event-bus';
import { AppConfig } from '../config/environment';
import { GatewaySetting } from '../config/gateways';
import { DomainEvent } from '../contracts/domain-events';
import { GatewayScope, GatewayView } from '../contracts/gateways';
import { OpenClawService } from '../openclaw/openclaw.service';
import { DeviceIdentity } from './device-identity';
import { loadGatewayClient } from './gateway-client-loader';
import { GatewayConnection, GatewayNotConnectedError } from './gateway-connection';

export { GatewayMethodMissingError, GatewayNotConnectedError } from './gateway-connection';

/** The zero set-up gateway's id, unless MC_OPENCLAW_GATEWAYS names one so. */
export const LOCAL_GATEWAY_ID = 'local';

/** What health shows under `services.gateways`. */
export interface GatewaysHealth {
  status: 'up' | 'down';
  message?: string;
  /** Whether this instance holds the connections (the leader does; followers show it so). */
  held_here: boolean;
  device_id: string | null;
  /** Control actions are on (API tokens configured): operator.write and operator.admin are asked for. */
  control: boolean;
  /** MC_OPENCLAW_APPROVALS, and whether it took effect (it needs control). */
  approvals: boolean;
  gateways: GatewayView[];
}

/**
 * Mission Control's OpenClaw gateways (the door of this module): one GatewayConnection per gateway, held
 * by the leader, with their states for health, a `request` for action code, and every gateway event
 * and state change re-emitted through the DomainEventBus. Followers hold none: their health says so.
 */
@Injectable()
@LeaderWork('leader')
export class GatewaysService implements LeadershipHooks, OnModuleDestroy {
  private readonly logger = new Logger('Gateways');
  private connections = new Map<string, GatewayConnection>();
  private identity: DeviceIdentity | null = null;
  private unavailable: string | null = null;
  private leading = false;
  private starting: Promise<void> = Promise.resolve();

  constructor(
    private readonly config: AppConfig,
    private readonly openclaw: OpenClawService,
    private readonly tokens: ApiTokens,
    private readonly bus: DomainEventBus,
  ) {}

  startLeading(): void {
    if (this.leading) return;
    this.leading = true;
    // Never awaited by the start: openclaw.json is read and connections are made in the background.
    this.starting = this.starting
      .then(() => this.connectAll())
      .catch((error: Error) => {
        this.unavailable = `Gateways could not start: ${error.message}`;
        this.logger.error(this.unavailable);
      });
  }

  stopLeading(): void {
    this.leading = false;
    for (const connection of this.connections.values()) connection.stop();
    this.connections = new Map();
  }

  async onModuleDestroy(): Promise<void> {
    this.leading = false;
    await this.starting;
    this.stopLeading();
  }

  /** Every gateway's view, in configuration order. */
  states(): GatewayView[] {
    return [...this.connections.values()].map((c) => c.view());
  }

  /** A request to one gateway; throws GatewayNotConnectedError (unknown id too) or GatewayMethodMissingError. */
  request<T = unknown>(gatewayId: string, method: string, params: unknown, timeoutMs?: number): Promise<T> {
    const connection = this.connections.get(gatewayId);
    if (!connection) return Promise.reject(new GatewayNotConnectedError(gatewayId, 'unreachable'));
    return connection.request<T>(method, params, timeoutMs);
  }

  /**
   * Down (the service degraded) while a gateway of MC_OPENCLAW_GATEWAYS is not connected, or openclaw.json's
   * refuses Mission Control or was connected and is lost; openclaw.json's that was never reachable is only shown.
   */
  health(): GatewaysHealth {
    const control = this.tokens.configured;
    const approvals = this.config.get('MC_OPENCLAW_APPROVALS', { infer: true }) && control;
    const base = { held_here: this.leading, device_id: this.identity?.deviceId ?? null, control, approvals };
    if (!this.leading)
      return {
        status: 'up',
        message: "the cluster's leader holds the gateway connections; its /api/health shows them",
        ...base,
        gateways: [],
      };
    const gateways = this.states();
    const listed = this.config.get('MC_OPENCLAW_GATEWAYS', { infer: true });
    if (this.unavailable)
      return { status: listed?.gateways.length ? 'down' : 'up', message: this.unavailable, ...base, gateways };
    const failing = gateways.filter((view) => {
      if (view.state === 'connected' || view.state === 'connecting') return false;
      if (view.source === 'MC_OPENCLAW_GATEWAYS') return true;
      return view.state !== 'unreachable' || this.connections.get(view.id)?.everConnected;
    });
    if (!failing.length) return { status: 'up', ...base, gateways };
    const message = failing.map((view) => `${view.id}: ${view.state}`).join('; ');
    return { status: 'down', message, ...base, gateways };
  }

  /** The scopes this instance asks for: read always, control's and approvals' only when they are on. */
  private scopes(): { scopes: GatewayScope[]; caps: string[] } {
    const scopes: GatewayScope[] = ['operator.read'];
    if (!this.tokens.configured) return { scopes, caps: [] };
    // Stopping a run Mission Control did not start is refused without operator.admin (OpenClaw 2026.9).
    scopes.push('operator.write', 'operator.admin');
    if (!this.config.get('MC_OPENCLAW_APPROVALS', { infer: true })) return { scopes, caps: [] };
    scopes.push('operator.approvals');
    return { scopes, caps: ['approvals'] };
  }

  private async connectAll(): Promise<void> {
    const settings = await this.settings();
    if (!settings.length || !this.leading) return;
    const loaded = loadGatewayClient();
    if ('error' in loaded) {
      this.unavailable = loaded.error;
      this.logger.warn(loaded.error);
      return;
    }
    this.identity ??= DeviceIdentity.loadOrCreate(this.config.get('MC_DATA_DIR', { infer: true }));
    const { scopes, caps } = this.scopes();
    const retryBaseMs = this.config.get('MC_OPENCLAW_GATEWAY_RETRY', { infer: true }) * 1000;
    for (const { setting, source } of settings) {
      const connection = new GatewayConnection({
        setting,
        source,
        scopes,
        caps,
        identity: this.identity,
        client: loaded.module,
        retryBaseMs,
        onState: (gateway, previous) => this.bus.emit(DomainEvent.GatewayStateChanged, { gateway, previous }),
        onEvent: (event, payload, seq) =>
          this.bus.emit(DomainEvent.GatewayEventReceived, {
            gateway_id: setting.id,
            agent_prefix: setting.agentPrefix,
            event,
            payload,
            seq,
          }),
      });
      this.connections.set(setting.id, connection);
      connection.start();
    }
  }

  /**
   * MC_OPENCLAW_GATEWAYS's gateways, then openclaw.json's local one as "local", unless the list is `off`,
   * names a gateway "local", or already points at that port on this machine.
   */
  private async settings(): Promise<{ setting: GatewaySetting; source: GatewayView['source'] }[]> {
    const list = this.config.get('MC_OPENCLAW_GATEWAYS', { infer: true });
    if (list?.off) return [];
    const listed = (list?.gateways ?? []).map((setting) => ({ setting, source: 'MC_OPENCLAW_GATEWAYS' as const }));
    if (this.config.get('MC_OPENCLAW', { infer: true }) === 'off') return listed;
    const local = await this.openclaw.localGateway();
    if (!local) return listed;
    const loopback = new RegExp(`^wss?://(127\\.0\\.0\\.1|localhost|\\[::1\\]):${local.port}$`);
    if (listed.some(({ setting }) => setting.id === LOCAL_GATEWAY_ID || loopback.test(setting.url))) return listed;
    const setting: GatewaySetting = {
      id: LOCAL_GATEWAY_ID,
      url: `ws://127.0.0.1:${local.port}`,
      label: 'This machine',
      agentPrefix: '',
      auth: local.auth,
    };
    return [...listed, { setting, source: 'openclaw.json' }];
  }
}
