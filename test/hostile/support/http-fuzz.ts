import { Agent, request } from 'node:http';
import { FuzzRequest } from './openapi-requests';

export interface FuzzResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** At most the first MiB. */
  body: string;
}

/** Keeps what a response body says for checking, without holding a whole backup download. */
const MAX_KEPT_BYTES = 1024 * 1024;

/**
 * Sends a request exactly as built (path unencoded where it was meant to be), over node:http rather
 * than fetch, which would normalise `..` and percent-encoding away. Fails when the whole answer has not
 * arrived within `timeoutMs`, or the connection breaks first.
 */
export function send(base: string, req: FuzzRequest, agent: Agent, timeoutMs: number): Promise<FuzzResponse> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    // Always said, so that no body goes out unannounced (Node sends a HEAD's body without a length).
    const length = req.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(req.body)) };
    const outgoing = request(
      { hostname, port, method: req.method, path: req.path, headers: { ...req.headers, ...length }, agent },
      (res) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        res.on('data', (chunk: Buffer) => {
          if (kept < MAX_KEPT_BYTES) chunks.push(chunk);
          kept += chunk.length;
        });
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', (error) => (clearTimeout(timer), reject(error)));
      },
    );
    const timer = setTimeout(() => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    outgoing.on('error', (error) => (clearTimeout(timer), reject(error)));
    outgoing.end(req.body);
  });
}

/** What is wrong with an answer: a 5xx, or a 4xx without the app's error shape. Null when nothing is. */
export function problemWith(req: FuzzRequest, res: FuzzResponse): string | null {
  if (res.status >= 500 && !gatewayNotConnected(res)) return `status ${res.status}: ${res.body.slice(0, 300)}`;
  if (res.status < 400 || req.method === 'HEAD') return null;
  if (!String(res.headers['content-type'] ?? '').startsWith('application/json'))
    return `${res.status} with content-type ${res.headers['content-type']}`;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(res.body);
  } catch {
    return `${res.status} whose body is not JSON: ${res.body.slice(0, 200)}`;
  }
  const shaped =
    typeof body?.error === 'string' &&
    body.error.length > 0 &&
    body.status_code === res.status &&
    // The request's own path; empty only for requests Node could not parse far enough to have one.
    (body.path === req.path || (body.path === '' && [400, 408, 431].includes(res.status))) &&
    typeof body.timestamp === 'string' &&
    !Number.isNaN(Date.parse(body.timestamp)) &&
    (body.details === undefined ||
      (Array.isArray(body.details) &&
        body.details.every((d) => typeof d?.field === 'string' && Array.isArray(d.messages))));
  return shaped ? null : `${res.status} without the error shape: ${res.body.slice(0, 300)}`;
}

/** A readable, bounded description of a request, to replay it by hand. */
export function describeRequest(req: FuzzRequest): string {
  const body =
    req.body === undefined ? '' : ` body(${req.body.length}) ${JSON.stringify(String(req.body).slice(0, 200))}`;
  return `${req.method} ${req.path.slice(0, 300)}${req.path.length > 300 ? `…(${req.path.length})` : ''} ${JSON.stringify(req.headers).slice(0, 300)}${body}`;
}

/** Runs `work(0…count-1)` with at most `concurrency` in flight. */
export async function runPool(
  count: number,
  concurrency: number,
  work: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await work(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/**
 * Asks GET /api/health every `everyMs` on a connection of its own while a run goes on; every probe
 * must answer 200 within 1 s. The failures, with when they happened, come back from stop().
 */
export class HealthProbe {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  private readonly failures: string[] = [];
  private probes = 0;
  private running = true;
  private readonly loop: Promise<void>;

  constructor(base: string, everyMs = 250) {
    const started = Date.now();
    this.loop = (async () => {
      while (this.running) {
        this.probes++;
        const at = Date.now() - started;
        await send(base, { method: 'GET', path: '/api/health', headers: {} }, this.agent, 1000).then(
          (res) =>
            void (
              res.status !== 200 && this.failures.push(`${at} ms: status ${res.status}: ${res.body.slice(0, 200)}`)
            ),
          (error: Error) => void this.failures.push(`${at} ms: ${error.message}`),
        );
        await new Promise((r) => setTimeout(r, everyMs));
      }
    })();
  }

  async stop(): Promise<{ probes: number; failures: string[] }> {
    this.running = false;
    await this.loop;
    this.agent.destroy();
    return { probes: this.probes, failures: this.failures };
  }
}

/**
 * A control action's documented 503: the gateway it needs is not connected (the fuzzed service has no
 * gateway running), said with its state. It must still have the error shape, which problemWith checks.
 */
function gatewayNotConnected(res: FuzzResponse): boolean {
  if (res.status !== 503) return false;
  try {
    return typeof (JSON.parse(res.body) as { gateway_state?: unknown }).gateway_state === 'string';
  } catch {
    return false;
  }
}
