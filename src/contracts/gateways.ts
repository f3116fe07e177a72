/**
 * Mission Control as an operator client of OpenClaw gateways: the states a connection is in, what health
 * shows of each, the methods and scopes it relies on, and the domain events it emits.
 */

/** Where a gateway connection stands; `connecting` only before its first answer. */
export const GATEWAY_STATES = [
  'connecting',
  'connected',
  'pairing_required',
  'auth_failed',
  'unreachable',
  'protocol_mismatch',
] as const;
export type GatewayState = (typeof GATEWAY_STATES)[number];

/** The methods Mission Control calls; those a gateway's hello-ok does not list are reported as missing. */
export const GATEWAY_METHODS = [
  'health',
  'usage.status',
  'sessions.list',
  'sessions.subscribe',
  'sessions.describe',
  'sessions.abort',
  'sessions.send',
  'chat.send',
  'exec.approval.list',
  'exec.approval.resolve',
] as const;

export type GatewayScope = 'operator.read' | 'operator.write' | 'operator.admin' | 'operator.approvals';

/** One gateway as GET /api/health shows it under `services.gateways.gateways`. Never a secret. */
export interface GatewayView {
  id: string;
  label: string;
  /** Without credentials. */
  url: string;
  /** `openclaw.json` (zero set-up) or `MC_OPENCLAW_GATEWAYS`. */
  source: 'openclaw.json' | 'MC_OPENCLAW_GATEWAYS';
  agent_prefix: string;
  state: GatewayState;
  /** hello-ok's `server.version` of the last connection. */
  openclaw_version: string | null;
  protocol: number | null;
  /** The methods of GATEWAY_METHODS this gateway's hello-ok does not list. */
  missing_methods: string[];
  /** The scopes asked for, and those the gateway granted (hello-ok `auth.scopes`). */
  scopes: { requested: GatewayScope[]; granted: string[] };
  last_error: { code: string | null; message: string; at: string } | null;
  /** Round trip of a `health` request, measured after each connect and every 30 s. */
  rtt_ms: number | null;
  connected_since: string | null;
  /** When the next attempt is due, while not connected. */
  retry_at: string | null;
  device_id: string;
  /** With `pairing_required`: the command that approves this device on the gateway host. */
  pairing_command?: string;
}

/** A gateway's state changed (connected, lost, refused…). */
export interface GatewayStateChangedEvent {
  gateway: GatewayView;
  previous: GatewayState;
}

/** An event frame from a connected gateway, as it came (payload unparsed beyond JSON). */
export interface GatewayEventReceivedEvent {
  gateway_id: string;
  /** Prefixed to the ids of this gateway's agents so that every host's `main` stays distinct. */
  agent_prefix: string;
  event: string;
  payload: unknown;
  seq: number | null;
}

/** The local gateway openclaw.json describes (zero set-up): its port and shared secret. */
export interface LocalGatewaySettings {
  port: number;
  /** A secret wrapper: printed or serialised it shows as [redacted]. */
  auth: { kind: 'token' | 'password'; secret: { reveal(): string } } | null;
}

/** The protocol version Mission Control speaks (OpenClaw 2026.9's). */
export const GATEWAY_PROTOCOL = 4;
