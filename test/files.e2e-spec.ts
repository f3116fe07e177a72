import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'node:http';
import { api, removeDirs, startApp, TestApp } from './support/app-harness';

describe('Files API', () => {
  let t: TestApp;
  let outside: string;

  beforeAll(async () => {
    t = await startApp();
    outside = join(t.dataDir, 'secret.txt');
    await writeFile(outside, 'top secret');
    await mkdir(join(t.workspace, 'notes'));
    await writeFile(join(t.workspace, 'notes', 'hello.md'), '# Hello\n');
    await symlink(outside, join(t.workspace, 'notes', 'leak.txt'));
    await symlink(t.dataDir, join(t.workspace, 'notes', 'leakdir'));
    await symlink(join(t.workspace, 'notes', 'hello.md'), join(t.workspace, 'notes', 'inside-link.md'));
    await writeFile(join(t.workspace, 'notes', 'big.log'), Buffer.alloc(1024 * 1024 + 1, 'a'));
    await writeFile(join(t.workspace, 'notes', 'image.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 1]));
  });

  afterAll(async () => {
    await t.close();
    await removeDirs(t.workspace, t.dataDir);
  });

  it('lists the workspace and a folder, leaving out links that lead outside', async () => {
    const root = (await api(t.url, '/api/files/browse')).body;
    expect(root.path).toBe('.');
    expect(root.items.map((i: { name: string }) => i.name)).toEqual(['mission-control', 'notes']);
    const notes = (await api(t.url, '/api/files/browse?path=notes')).body;
    expect(notes.items.map((i: { name: string; type: string }) => [i.name, i.type])).toEqual([
      ['big.log', 'file'],
      ['hello.md', 'file'],
      ['image.png', 'file'],
      ['inside-link.md', 'file'],
    ]);
    expect(notes.items[1]).toEqual({ name: 'hello.md', type: 'file', size: 8, modified: expect.any(String) });
  });

  it('reads a text file, and a link that stays inside', async () => {
    expect((await api(t.url, '/api/files/read?path=notes/hello.md')).body).toEqual({
      path: 'notes/hello.md',
      content: '# Hello\n',
      size: 8,
    });
    expect((await api(t.url, '/api/files/read?path=notes/inside-link.md')).body.content).toBe('# Hello\n');
    const state = (await api(t.url, '/api/files/read?path=mission-control/agents/forge/state.json')).body;
    expect(JSON.parse(state.content).codename).toBe('The Smith');
  });

  it.each([
    '/api/files/read?path=../secret.txt',
    '/api/files/read?path=notes/../../secret.txt',
    '/api/files/read?path=%2e%2e%2fsecret.txt',
    '/api/files/read?path=..%5Csecret.txt',
    '/api/files/read?path=/etc/passwd',
    '/api/files/read?path=notes%2F%2E%2E%2F%2E%2E%2Fetc%2Fpasswd',
    '/api/files/read?path=notes/hello.md%00.png',
    '/api/files/read?path=notes/leak.txt',
    '/api/files/browse?path=notes/leakdir',
    '/api/files/browse?path=..',
    '/api/files/browse?path=C:%5CWindows',
  ])('refuses %s with 403 Invalid path', async (path) => {
    const res = await api(t.url, path);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: 'Invalid path', status_code: 403 });
    expect(JSON.stringify(res.body)).not.toContain('top secret');
  });

  it('refuses a raw ../ that a browser would have normalised', async () => {
    const { port } = new URL(t.url);
    const status = await new Promise<number>((resolve, reject) =>
      request(
        { host: '127.0.0.1', port, path: '/api/files/read?path=../../../../etc/passwd' },
        (res) => (res.resume(), resolve(res.statusCode ?? 0)),
      )
        .on('error', reject)
        .end(),
    );
    expect(status).toBe(403);
  });

  it('answers 404, 413, 415 and 400 for what it will not send', async () => {
    expect((await api(t.url, '/api/files/read?path=notes/nope.md')).status).toBe(404);
    const big = await api(t.url, '/api/files/read?path=notes/big.log');
    expect(big.status).toBe(413);
    expect(big.body.error).toContain('over 1 MiB');
    expect((await api(t.url, '/api/files/read?path=notes/image.png')).status).toBe(415);
    expect((await api(t.url, '/api/files/read?path=notes')).status).toBe(400);
    expect((await api(t.url, '/api/files/browse?path=notes/hello.md')).status).toBe(400);
    expect((await api(t.url, '/api/files/read?path=a&path=b')).status).toBe(400);
  });
});
