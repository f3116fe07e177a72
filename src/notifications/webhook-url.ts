import { lookup as dnsLookup, LookupAddress, LookupOptions } from 'node:dns';
import { isIP } from 'node:net';

export const MAX_URL_LENGTH = 2048;
export const URL_MESSAGE =
  'url must be an http:// or https:// URL with a host, at most 2048 characters, without a user name or password, and without spaces, backslashes or control characters';

/**
 * The WHATWG parser forgives what a webhook URL must not carry: it trims spaces, drops CR, LF and tabs, reads
 * `\` as `/` and `http:///x` or `http:x` as the host `x`. So the text itself is checked first.
 */
const SCHEME_AND_HOST = /^https?:\/\/[^/\\?#@\s]/i;
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const SPACE_BACKSLASH_OR_CONTROL = /[\s\\\u0000-\u001f\u007f-\u009f]/;

/** The URL as parsed, when it is one a webhook may have: http or https, a host, no credentials. */
export function parseWebhookUrl(value: unknown): URL | null {
  if (typeof value !== 'string' || value.length > MAX_URL_LENGTH) return null;
  if (!SCHEME_AND_HOST.test(value) || SPACE_BACKSLASH_OR_CONTROL.test(value)) return null;
  try {
    const url = new URL(value);
    const ok =
      (url.protocol === 'http:' || url.protocol === 'https:') &&
      url.hostname !== '' &&
      url.username === '' &&
      url.password === '';
    return ok ? url : null;
  } catch {
    return null;
  }
}

/**
 * The form kept and shown: numeric hosts as dotted IPv4 (`0x7f.1`
 * is 127.0.0.1), names in lower case, default ports dropped.
 */
export function normaliseWebhookUrl(value: string): string {
  return new URL(value).href;
}

/** Names that answer with a cloud machine's credentials (GCP, AWS, OpenStack). */
const METADATA_NAMES = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
]);
/** Metadata services outside link-local space: Alibaba Cloud's, AWS's IPv6 one. */
const METADATA_ADDRESSES = new Set(['100.100.100.200', 'fd00:ec2::254']);

/**
 * What a host (a URL's hostname or a resolved address) is when it is refused unless MC_WEBHOOK_ALLOW_LINK_LOCAL=true:
 * a link-local address (169.254/16, fe80::/10) or a cloud metadata service; null when it is neither.
 * Loopback and private LAN addresses stay allowed: receivers often live there.
 */
export function linkLocalKind(host: string): string | null {
  const name = host
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase();
  if (METADATA_NAMES.has(name) || METADATA_ADDRESSES.has(name)) return 'a cloud metadata service';
  const v4 = isIP(name) === 6 ? mappedIPv4(name) : name;
  if (v4 && isIP(v4) === 4) {
    if (METADATA_ADDRESSES.has(v4)) return 'a cloud metadata service';
    return v4.startsWith('169.254.') ? 'a link-local address' : null;
  }
  if (isIP(name) === 6 && (parseInt(name.split(':')[0] || '0', 16) & 0xffc0) === 0xfe80) return 'a link-local address';
  return null;
}

/** The IPv4 address inside `::ffff:a.b.c.d` (or `::ffff:xxxx:yyyy`, as the URL parser writes it). */
function mappedIPv4(v6: string): string | null {
  const tail = v6.match(/^(?:0{0,4}:){0,5}:?ffff:(.+)$/i)?.[1];
  if (!tail) return null;
  if (tail.includes('.')) return tail;
  const [high, low] = tail.split(':').map((h) => parseInt(h, 16));
  if (!Number.isInteger(high) || !Number.isInteger(low)) return null;
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

export const ALLOW_HINT = 'set MC_WEBHOOK_ALLOW_LINK_LOCAL=true to allow it';

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * dns.lookup for a delivery's connection that fails when a name resolves to a refused address: a name
 * checked when the channel was made can point anywhere by the time it is sent to.
 */
export function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const refused = addresses.find((a) => linkLocalKind(a.address));
    if (refused)
      return callback(
        new Error(
          `refused: ${hostname} resolves to ${refused.address}, ${linkLocalKind(refused.address)}; ${ALLOW_HINT}`,
        ),
        [],
      );
    if (options.all) return callback(null, addresses);
    callback(null, addresses[0].address, addresses[0].family);
  });
}
