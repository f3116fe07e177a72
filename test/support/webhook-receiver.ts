import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo, Socket } from 'node:net';

export interface Received {
  headers: IncomingHttpHeaders;
  /** The raw body, as signed. */
  body: string;
  json: any;
  /** Whether the receiver answered this one with a 2xx. */
  accepted: boolean;
  /** The sender's port, which tells which process sent it while the request is open. */
  remotePort: number;
}

/** The receiver-side check the README documents: constant-time compare, timestamps within 5 minutes. */
export function verifySignature(secret: string, headers: IncomingHttpHeaders, body: string, now = Date.now()): boolean {
  const timestamp = String(headers['x-mc-timestamp'] ?? '');
  const signature = String(headers['x-mc-signature'] ?? '');
  if (!/^\d+$/.test(timestamp) || Math.abs(now / 1000 - Number(timestamp)) > 300) return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

type Answer = number | { status: number; body?: string; headers?: Record<string, string> };
/** What to do with the n-th request (from 0): answer with a status (and body), answer once a promise gives one, or never answer. */
export type Reply = Answer | Promise<Answer> | 'hang';

/** A real HTTP receiver on 127.0.0.1:0 that records every request and answers as told. */
export class WebhookReceiver {
  readonly received: Received[] = [];
  private readonly sockets = new Set<Socket>();
  private waiters: (() => void)[] = [];

  private constructor(
    private readonly server: Server,
    public reply: (n: number, request: Received) => Reply,
  ) {
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.handle(req, res));
  }

  static async start(reply: (n: number, request: Received) => Reply = () => 200): Promise<WebhookReceiver> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new WebhookReceiver(server, reply);
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  accepted(): Received[] {
    return this.received.filter((r) => r.accepted);
  }

  /** Resolves once `count` requests have arrived (all of them, whatever the answer). */
  async waitFor(count: number, timeoutMs = 5000): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      if (Date.now() > deadline)
        throw new Error(`the receiver got ${this.received.length} requests, not ${count}, in ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.waiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
    return this.received.slice(0, count);
  }

  /** Closes the server and every connection, hanging ones included. */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown = null;
      try {
        json = JSON.parse(body);
      } catch {
        /* not JSON: kept as text */
      }
      const request: Received = {
        headers: req.headers,
        body,
        json,
        accepted: false,
        remotePort: req.socket.remotePort ?? 0,
      };
      const reply = this.reply(this.received.length, request);
      const answer = (given: Answer) => {
        const { status, body: text = '', headers = {} } = typeof given === 'number' ? { status: given } : given;
        request.accepted = status >= 200 && status < 300;
        res.writeHead(status, { 'content-type': 'text/plain', ...headers }).end(text);
      };
      if (reply instanceof Promise) void reply.then(answer);
      else if (reply !== 'hang') answer(reply);
      this.received.push(request);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }
}
