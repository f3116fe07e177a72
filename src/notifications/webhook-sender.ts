import { request as httpRequest, IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ALLOW_HINT, guardedLookup, linkLocalKind } from './webhook-url';

/** No receiver holds a delivery longer than this, whether it never connects, never answers or never ends its answer. */
export const DELIVERY_TIMEOUT_MS = 5_000;
/** An answer is read this far at most: only its status counts, and a little of its text for the delivery log. */
export const MAX_ANSWER_BYTES = 64 * 1024;
const ERROR_TEXT = 300;

export interface AttemptResult {
  ok: boolean;
  http_status: number | null;
  error: string | null;
}

export interface SendOptions {
  /** The service shutting down: ends the attempt at once. */
  stop?: AbortSignal;
  /** MC_WEBHOOK_ALLOW_LINK_LOCAL: otherwise a link-local or metadata host, named or resolved, is refused. */
  allowLinkLocal?: boolean;
}

/**
 * POSTs a body once. Redirects are not followed (a 3xx is a failure), no connection is kept for
 * later, and `stop` ends the attempt at once. Never throws.
 */
export function postWebhook(
  url: string,
  body: string,
  headers: Record<string, string>,
  { stop, allowLinkLocal = false }: SendOptions = {},
): Promise<AttemptResult> {
  const target = new URL(url);
  // A channel kept before the setting changed, or from before hosts were checked.
  const refused = allowLinkLocal ? null : linkLocalKind(target.hostname);
  if (refused)
    return Promise.resolve({
      ok: false,
      http_status: null,
      error: `refused: ${target.hostname} is ${refused}; ${ALLOW_HINT}`,
    });
  const timeout = AbortSignal.timeout(DELIVERY_TIMEOUT_MS);
  const signal = stop ? AbortSignal.any([timeout, stop]) : timeout;
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let answer: IncomingMessage | null = null;
    const text: Buffer[] = [];
    let read = 0;
    const finish = (error?: Error) => {
      if (!answer) {
        const reason = timeout.aborted
          ? `no answer within ${DELIVERY_TIMEOUT_MS / 1000} s`
          : stop?.aborted
            ? 'stopped: the service is shutting down'
            : (error?.message ?? 'no answer');
        return resolve({ ok: false, http_status: null, error: reason });
      }
      const status = answer.statusCode ?? 0;
      const ok = status >= 200 && status < 300;
      const said = Buffer.concat(text).toString('utf8').slice(0, ERROR_TEXT).trim();
      const why = status >= 300 && status < 400 ? ' (redirects are not followed)' : said ? `: ${said}` : '';
      resolve({ ok, http_status: status, error: ok ? null : `HTTP ${status}${why}` });
    };
    const req = send(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        signal,
        agent: false,
        lookup: allowLinkLocal ? undefined : guardedLookup,
      },
      (res) => {
        answer = res;
        res.on('data', (chunk: Buffer) => {
          if (read < ERROR_TEXT) text.push(chunk.subarray(0, ERROR_TEXT - read));
          read += chunk.length;
          if (read >= MAX_ANSWER_BYTES) res.destroy();
        });
        // The status is what counts: an answer cut short (too long, too slow) still has one.
        res.once('end', () => finish());
        res.once('close', () => finish());
        res.once('error', () => finish());
      },
    );
    req.once('error', (error) => finish(error));
    req.end(body);
  });
}
