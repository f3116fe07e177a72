import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRegularFile } from './regular-file';

describe('readRegularFile', () => {
  let dir: string;
  beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), 'mc-regular-'))));
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads a regular file whole', async () => {
    await writeFile(join(dir, 'a.json'), '{"a": 1}');
    expect((await readRegularFile(join(dir, 'a.json'), 1024)).toString()).toBe('{"a": 1}');
  });

  it('refuses at once a FIFO no one writes, a device and a folder, naming what they are', async () => {
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    await expect(readRegularFile(join(dir, 'fifo'), 1024)).rejects.toThrow('not a regular file (a FIFO)');
    await expect(readRegularFile('/dev/zero', 1024)).rejects.toThrow('not a regular file (a character device)');
    await expect(readRegularFile(dir, 1024)).rejects.toThrow(/not a regular file \(a directory\)|EISDIR/);
  });

  it('refuses a file over the bound before reading it', async () => {
    await writeFile(join(dir, 'big'), Buffer.alloc(2048));
    await expect(readRegularFile(join(dir, 'big'), 1024)).rejects.toThrow('over');
  });
});
