import { INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import { IncomingMessage } from 'node:http';
import { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { ErrorBody } from '../common/all-exceptions.filter';
import { roleRefusal } from '../common/access';
import { bearerToken } from '../common/api-token.middleware';
import { ApiTokens } from '../common/api-tokens';
import { HostCheckMiddleware, hostOf } from '../common/host-check.middleware';
import { isPlainObject } from '../common/json';
import { AppConfig } from '../config/environment';
import { roleAllows } from '../contracts/roles';

/** Above this a message closes the connection (ws answers 1009). */
export const MAX_MESSAGE_BYTES = 64 * 1024;

export const CLIENT_MESSAGE_TYPES = new Set(['ping', 'subscribe', 'unsubscribe', 'request_agent_status', 'resume']);
/** The handler that answers anything the parser could not route. */
export const INVALID_MESSAGE = 'invalid';

/** Routes `{type, ...}` messages, as the original dashboards send them, to the handler of that type. */
export function parseClientMessage(raw: unknown): { event: string; data: unknown } {
  let message: unknown;
  try {
    message = JSON.parse(String(raw));
  } catch {
    return { event: INVALID_MESSAGE, data: 'Invalid JSON' };
  }
  if (!isPlainObject(message) || typeof message.type !== 'string') {
    return { event: INVALID_MESSAGE, data: 'Each message must be a JSON object with a string "type"' };
  }
  if (!CLIENT_MESSAGE_TYPES.has(message.type)) {
    return {
      event: INVALID_MESSAGE,
      data: `Unknown message type "${message.type.slice(0, 64)}"; expected one of ${[...CLIENT_MESSAGE_TYPES].join(', ')}`,
    };
  }
  return { event: message.type, data: message };
}

/**
 * The WebSocket server on MC_WS_PORT and MC_HOST. The port comes from the validated configuration
 * here, at creation, because `@WebSocketGateway(port)` would be read before configuration exists.
 * Upgrades are refused before any WebSocket is opened, with the API's JSON error shape, when the
 * Host is not a name the service answers to (403), the token is missing or wrong (401, when tokens are
 * configured), its role does not read (403), or a browser page of another origin asks (403). The token's
 * `{name, role}` goes on the upgrade request as `principal`.
 */
export class RealtimeAdapter extends WsAdapter {
  constructor(
    private readonly app: INestApplicationContext,
    private readonly hosts: HostCheckMiddleware,
  ) {
    super(app, { messageParser: parseClientMessage });
  }

  create(_port: number, options: Record<string, unknown> = {}): WebSocketServer {
    const config = this.app.get(AppConfig);
    const tokens = this.app.get(ApiTokens);
    const origins = config.get('MC_CORS_ORIGINS', { infer: true });
    const { namespace: _namespace, path: _path, ...wsOptions } = options;
    const server = new WebSocketServer({
      ...wsOptions,
      port: config.get('MC_WS_PORT', { infer: true }),
      host: config.get('MC_HOST', { infer: true }),
      maxPayload: MAX_MESSAGE_BYTES,
      verifyClient: ({ origin, req }: { origin?: string; req: IncomingMessage }, accept: Accept) => {
        const refuse = (status: number, error: string, details: Record<string, unknown> = {}) => {
          // The path without its query, which may hold a token.
          const path = (req.url ?? '').split('?')[0];
          const body: ErrorBody = { error, status_code: status, ...details, path, timestamp: new Date().toISOString() };
          accept(false, status, JSON.stringify(body), { 'Content-Type': 'application/json; charset=utf-8' });
        };
        if (!this.hosts.allows(req.headers.host)) {
          const { message, ...details } = this.hosts.refusal(req.headers.host);
          return refuse(403, message, details);
        }
        if (tokens.configured) {
          const given = tokenOf(req);
          const principal = tokens.match(given);
          if (!principal)
            return refuse(
              401,
              given === undefined
                ? 'The gateway needs a token (of MC_API_TOKENS, or MC_API_TOKEN): ?token=<token> or Authorization: Bearer <token>'
                : 'Invalid API token',
            );
          if (!roleAllows(principal.role, 'viewer')) {
            const { message, ...details } = roleRefusal(principal, 'viewer').getResponse() as { message: string };
            return refuse(403, message, details);
          }
          req.principal = principal;
        }
        if (origin && !origins.includes('*') && !origins.includes(origin) && !this.isSameOrigin(origin, req)) {
          return refuse(
            403,
            `WebSocket connections from the origin ${origin.slice(0, 200)} are not allowed (MC_CORS_ORIGINS)`,
            { origin: origin.slice(0, 200) },
          );
        }
        accept(true);
      },
    });
    return this.bindErrorHandler(server);
  }

  /**
   * The dashboard's page is served on the API port and connects to this one, so a page is of the
   * same origin when it is on the host the client asked for, at the API port or the gateway's own.
   */
  private isSameOrigin(origin: string, req: IncomingMessage): boolean {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false;
    }
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const apiPort = (this.httpServer.address() as AddressInfo | null)?.port;
    return hostOf(url.host) === hostOf(req.headers.host) && (port === apiPort || port === req.socket.localPort);
  }
}

type Accept = (ok: boolean, status?: number, body?: string, headers?: Record<string, string>) => void;

/** `?token=` (browsers cannot set headers on a WebSocket) or `Authorization: Bearer`. */
function tokenOf(req: IncomingMessage): string | undefined {
  const query = new URL(req.url ?? '/', 'http://localhost').searchParams.get('token');
  return query ?? bearerToken(req.headers.authorization);
}
