import { mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWorkspaceFile } from './safe-path';

describe('readWorkspaceFile', () => {
  let root: string;
  beforeEach(async () => (root = await realpath(await mkdtemp(join(tmpdir(), 'mc-safe-path-')))));
  afterEach(() => rm(root, { recursive: true, force: true }));

  const read = (known?: Parameters<typeof readWorkspaceFile>[3]) =>
    readWorkspaceFile(root, join(root, 'state.json'), 1024, known);

  it('skips a file still at the version it was read, and reads it again once rewritten, even to the same size', async () => {
    await writeFile(join(root, 'state.json'), '{"status":"busy"}');
    // Just written: the version cannot tell a rewrite within the same tick, so it is not offered.
    const fresh = await read();
    expect(fresh).toMatchObject({ text: '{"status":"busy"}', version: null });

    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const settled = await read();
    if (settled === null || settled === 'unchanged') throw new Error(`unexpected ${settled}`);
    expect(settled.version).toEqual(expect.objectContaining({ size: 17 }));
    expect(await read(settled.version)).toBe('unchanged');

    await writeFile(join(root, 'state.json'), '{"status":"idle"}');
    expect(await read(settled.version)).toMatchObject({ text: '{"status":"idle"}' });
  });

  it('still refuses a file over the limit and answers null for a missing one, whatever version is known', async () => {
    expect(await read({ dev: 1, ino: 1, size: 1, mtimeMs: 1, ctimeMs: 1 })).toBeNull();
    await writeFile(join(root, 'state.json'), 'x'.repeat(2048));
    await expect(read({ dev: 1, ino: 1, size: 1, mtimeMs: 1, ctimeMs: 1 })).rejects.toThrow('over the 1024-byte limit');
  });

  it('checks a file again when a link takes its place, even a link to the very file it was', async () => {
    const outside = await realpath(await mkdtemp(join(tmpdir(), 'mc-safe-path-outside-')));
    try {
      await writeFile(join(outside, 'state.json'), '{"status":"busy"}');
      await new Promise((resolve) => setTimeout(resolve, 2_100));
      const known = await readWorkspaceFile(outside, join(outside, 'state.json'), 1024);
      if (known === null || known === 'unchanged' || known.version === null)
        throw new Error(`unexpected ${JSON.stringify(known)}`);
      // The same inode, size and times, reached through a link from the workspace: still outside it.
      await symlink(join(outside, 'state.json'), join(root, 'state.json'));
      await expect(read(known.version)).rejects.toThrow('points outside the workspace');
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });
});
