import { createHmac } from 'node:crypto';

/**
 * The headers that let a receiver check a request came from this service and is fresh:
 * `X-MC-Timestamp` (unix seconds) and `X-MC-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`.
 * The timestamp is signed with the body so a captured request cannot be replayed later.
 */
export function signatureHeaders(secret: string, body: string, now = Date.now()): Record<string, string> {
  const timestamp = String(Math.floor(now / 1000));
  const signature = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return { 'x-mc-timestamp': timestamp, 'x-mc-signature': `sha256=${signature}` };
}
