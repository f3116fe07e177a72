import { linkLocalKind, normaliseWebhookUrl, parseWebhookUrl } from './webhook-url';

describe('parseWebhookUrl', () => {
  it.each([
    'http:///path',
    'http:host/x',
    ' http://a/',
    'http://a/ ',
    'http:\\\\a\\b',
    'http://a/\r\nX: 1',
    'http://a/\u0085',
    'http://a\u00a0b/',
    'http://u@a/',
    'http://u:p@a/',
    'ftp://a/',
    'http://:80/',
    'x'.repeat(10),
  ])('refuses %j', (url) => expect(parseWebhookUrl(url)).toBeNull());

  it('takes http and https URLs with a host, and keeps them normalised', () => {
    expect(parseWebhookUrl('https://hooks.slack.com/services/T/B/X')?.href).toBe(
      'https://hooks.slack.com/services/T/B/X',
    );
    expect(normaliseWebhookUrl('http://0x7f.1:8080/h')).toBe('http://127.0.0.1:8080/h');
    expect(normaliseWebhookUrl('HTTPS://Host.LAN:443')).toBe('https://host.lan/');
  });
});

describe('linkLocalKind', () => {
  it.each([
    ['169.254.169.254', 'a link-local address'],
    ['169.254.0.1', 'a link-local address'],
    ['[fe80::1]', 'a link-local address'],
    ['febf::1', 'a link-local address'],
    ['[::ffff:a9fe:a9fe]', 'a link-local address'],
    ['::ffff:169.254.1.2', 'a link-local address'],
    ['metadata.google.internal.', 'a cloud metadata service'],
    ['METADATA.goog', 'a cloud metadata service'],
    ['100.100.100.200', 'a cloud metadata service'],
    ['[fd00:ec2::254]', 'a cloud metadata service'],
  ])('calls %s %s', (host, kind) => expect(linkLocalKind(host)).toBe(kind));

  it.each([
    '127.0.0.1',
    '[::1]',
    '10.0.0.5',
    '192.168.1.20',
    '169.255.0.1',
    '[fec0::1]',
    '[fd00::5]',
    'localhost',
    'hooks.slack.com',
    '[::ffff:7f00:1]',
  ])('lets %s through', (host) => expect(linkLocalKind(host)).toBeNull());
});
