import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McEvent } from './forwarder.js';

/** What a test server answers to one batch: a status, or 'hang' to never answer. */
export type Reply = number | 'hang';

export interface ReceivedBatch {
  events: McEvent[];
  headers: http.IncomingHttpHeaders;
  url: string;
  status?: Reply;
}

/** A real Mission Control stand-in on 127.0.0.1 for the plugin's specs (tsconfig.json leaves it out of the build). */
export class TestServer {
  /** Every batch received, whatever the answer. */
  readonly received: ReceivedBatch[] = [];
  private readonly server: http.Server;

  private constructor(private readonly reply: (batch: ReceivedBatch, n: number) => Reply) {
    this.server = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        const batch: ReceivedBatch = { events: JSON.parse(body).events, headers: req.headers, url: req.url ?? '' };
        this.received.push(batch);
        const status = (batch.status = this.reply(batch, this.received.length));
        if (status === 'hang') return;
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(status < 300 ? { stored: batch.events.length } : { error: 'nope' }));
      });
    });
  }

  static async start(reply: (batch: ReceivedBatch, n: number) => Reply = () => 201, port = 0): Promise<TestServer> {
    const server = new TestServer(reply);
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.server.listen(port, '127.0.0.1', resolve);
    });
    return server;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Events of the batches answered with a 2xx, in arrival order. */
  delivered(): McEvent[] {
    return this.received.filter((b) => typeof b.status === 'number' && b.status < 300).flatMap((b) => b.events);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A port nothing listens on (for connection-refused cases). */
export async function freePort(): Promise<number> {
  const server = await TestServer.start();
  const port = server.port;
  await server.close();
  return port;
}

export async function waitFor(condition: () => boolean, timeoutMs = 4000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
