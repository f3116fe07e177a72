import { createHmac, timingSafeEqual } from 'node:crypto';
import { signatureHeaders } from './signing';

/** The receiver's check, as the README's Signatures section gives it. */
function verify(secret: string, headers: Record<string, string>, rawBody: string, now: number): boolean {
  const timestamp = String(headers['x-mc-timestamp'] ?? '');
  const signature = String(headers['x-mc-signature'] ?? '');
  if (!/^\d+$/.test(timestamp) || Math.abs(now / 1000 - Number(timestamp)) > 300) return false;
  const expected = Buffer.from(
    `sha256=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`,
  );
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

describe('signatureHeaders', () => {
  const body = '{"event":"fired","alert":{"id":7}}';
  const at = Date.UTC(2026, 1, 17, 0, 46, 0, 999);

  it('gives the time in unix seconds and the HMAC-SHA256 of "<timestamp>.<body>" in hex', () => {
    const headers = signatureHeaders('s3cret', body, at);
    expect(headers['x-mc-timestamp']).toBe(String(Math.floor(at / 1000)));
    // Worked out apart from the code: printf '%s' '1771289160.<body>' | openssl dgst -sha256 -hmac s3cret
    const expected = '7d92f095718ea6be50a88eb96efd5f76a198b5dcd875851b3740e7929e14eb33';
    expect(headers).toEqual({ 'x-mc-timestamp': '1771289160', 'x-mc-signature': `sha256=${expected}` });
  });

  it('passes the documented check, and fails it for another secret, another body or another time', () => {
    const headers = signatureHeaders('s3cret', body, at);
    expect(verify('s3cret', headers, body, at)).toBe(true);
    expect(verify('s3cret', headers, body, at + 299_000)).toBe(true);
    expect(verify('other', headers, body, at)).toBe(false);
    expect(verify('s3cret', headers, body.replace('7', '8'), at)).toBe(false);
    expect(verify('s3cret', { ...headers, 'x-mc-timestamp': String(Math.floor(at / 1000) + 1) }, body, at)).toBe(false);
    expect(verify('s3cret', headers, body, at + 301_000)).toBe(false);
  });

  it('signs the timestamp with the body, so the same body in another second has another signature', () => {
    expect(signatureHeaders('s3cret', body, at)['x-mc-signature']).not.toBe(
      signatureHeaders('s3cret', body, at + 1000)['x-mc-signature'],
    );
    expect(signatureHeaders('s3cret', body, at)['x-mc-signature']).toBe(
      signatureHeaders('s3cret', body, at - 999)['x-mc-signature'],
    );
  });
});
