import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGzip, gzipSync } from 'node:zlib';

/** One raw tar entry, written by hand so tests can craft what no honest tool would: `..`, absolute paths, links. */
export interface RawEntry {
  name: string;
  content?: string | Buffer;
  /** '0' file, '1' hard link, '2' symbolic link, '3' character device, '5' directory. */
  type?: '0' | '1' | '2' | '3' | '5';
  linkname?: string;
}

function header(entry: RawEntry, size: number): Buffer {
  const h = Buffer.alloc(512);
  const put = (text: string, offset: number, length: number) => h.write(text, offset, length, 'utf8');
  const octal = (n: number, length: number) => n.toString(8).padStart(length - 1, '0');
  put(entry.name, 0, 100);
  put(`${octal(0o644, 8)}\0`, 100, 8);
  put(`${octal(0, 8)}\0`, 108, 8);
  put(`${octal(0, 8)}\0`, 116, 8);
  put(`${octal(size, 12)}\0`, 124, 12);
  put(`${octal(Math.floor(Date.now() / 1000), 12)}\0`, 136, 12);
  put('        ', 148, 8);
  put(entry.type ?? '0', 156, 1);
  put(entry.linkname ?? '', 157, 100);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  let sum = 0;
  for (const byte of h) sum += byte;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return h;
}

export function rawTar(entries: RawEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const content = Buffer.from(entry.content ?? '');
    parts.push(header(entry, content.length), content, Buffer.alloc((512 - (content.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export function sha256(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/** A gzipped tar whose manifest lists the given files, so only what is wrong with the entries can fail it. */
export function craftedBackup(entries: RawEntry[], id = '20260101_000000'): Buffer {
  const files = entries
    .filter((e) => (e.type ?? '0') === '0')
    .map((e) => ({ path: e.name, size: Buffer.byteLength(e.content ?? ''), sha256: sha256(e.content ?? '') }));
  const manifest = {
    format: 1,
    id,
    type: 'full',
    agent_id: null,
    created_at: '2026-01-01T00:00:00.000Z',
    service_version: 'test',
    files,
  };
  return gzipSync(rawTar([...entries, { name: 'manifest.json', content: JSON.stringify(manifest) }]));
}

/** A small .tar.gz that unpacks to `bytes` of zeros: a gzip bomb. */
export async function gzipBomb(file: string, bytes: number): Promise<void> {
  const head = header({ name: 'mission-control/bomb.bin' }, bytes);
  const zeros = Buffer.alloc(1024 * 1024);
  async function* body() {
    yield head;
    for (let left = bytes; left > 0; left -= zeros.length) yield left >= zeros.length ? zeros : zeros.subarray(0, left);
    yield Buffer.alloc(1024);
  }
  await pipeline(Readable.from(body()), createGzip({ level: 9 }), createWriteStream(file));
}
