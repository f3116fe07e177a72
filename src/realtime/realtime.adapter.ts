import { INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import { IncomingMessage } from 'node:http';
import { WebSocketServer } from 'ws';
import { bearerToken, tokenMatches } from '../common/api-token.middleware';
import { isPlainObject } from '../common/json';
import { AppConfig } from '../config/environment';

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
    return { event: INVALID_MESSAGE, data: `Unknown message type "${message.type.slice(0, 64)}"; expected one of ${[...CLIENT_MESSAGE_TYPES].join(', ')}` };
  }
  return { event: message.type, data: message };
}

/**
 * The WebSocket server on MC_WS_PORT and MC_HOST. The port comes from the validated configuration
 * here, at creation, because `@WebSocketGateway(port)` would be read before configuration exists.
 * Upgrades without the token (when MC_API_TOKEN is set) or from a browser origin not in
 * MC_CORS_ORIGINS are refused before any WebSocket is opened.
 */
export class RealtimeAdapter extends WsAdapter {
  constructor(private readonly app: INestApplicationContext) {
    super(app, { messageParser: parseClientMessage });
  }

  create(_port: number, options: Record<string, unknown> = {}): WebSocketServer {
    const config = this.app.get(AppConfig);
    const token = config.get('MC_API_TOKEN', { infer: true });
    const origins = config.get('MC_CORS_ORIGINS', { infer: true });
    const { namespace: _namespace, path: _path, ...wsOptions } = options;
    const server = new WebSocketServer({
      ...wsOptions,
      port: config.get('MC_WS_PORT', { infer: true }),
      host: config.get('MC_HOST', { infer: true }),
      maxPayload: MAX_MESSAGE_BYTES,
      verifyClient: ({ origin, req }: { origin?: string; req: IncomingMessage }, accept: (ok: boolean, code?: number, message?: string) => void) => {
        if (token && !tokenMatches(token, tokenOf(req))) return accept(false, 401, 'Unauthorized');
        if (origin && !origins.includes('*') && !origins.includes(origin)) return accept(false, 403, 'Origin not allowed');
        accept(true);
      },
    });
    return this.bindErrorHandler(server);
  }
}

/** `?token=` (browsers cannot set headers on a WebSocket) or `Authorization: Bearer`. */
function tokenOf(req: IncomingMessage): string | undefined {
  const query = new URL(req.url ?? '/', 'http://localhost').searchParams.get('token');
  return query ?? bearerToken(req.headers.authorization);
}
