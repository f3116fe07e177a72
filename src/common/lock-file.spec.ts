import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireLockFile, LockHeldError, lockHolder } from './lock-file';

describe('acquireLockFile', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mc-lock-'));
  });

  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('lets exactly one of many concurrent takers hold the lock, trial after trial', async () => {
    const file = join(dir, 'op.lock');
    for (let trial = 0; trial < 300; trial++) {
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) =>
          acquireLockFile(file, { pid: process.pid, started_at: new Date().toISOString(), taker: i }),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(
        results
          .filter((r) => r.status === 'rejected')
          .every((r) => (r as PromiseRejectedResult).reason instanceof LockHeldError),
      ).toBe(true);
      await rm(file);
    }
    expect(await readdir(dir)).toEqual([]);
  });

  it("removes the drafts a killed process left beside the lock, and nobody else's", async () => {
    const file = join(dir, 'op.lock');
    const dead = 2 ** 22 + 12345;
    await writeFile(join(dir, `op.lock.${dead}.5ebc7a5b.tmp`), '{}');
    await writeFile(join(dir, `op.lock.${dead}.0a1b2c3d.stale`), '{}');
    await writeFile(join(dir, `op.lock.${process.pid}.0a1b2c3d.tmp`), '{}');
    await writeFile(join(dir, `other.lock.${dead}.0a1b2c3d.tmp`), '{}');
    await acquireLockFile(file, { pid: process.pid, started_at: new Date().toISOString() });
    expect((await readdir(dir)).sort()).toEqual([
      'op.lock',
      `op.lock.${process.pid}.0a1b2c3d.tmp`,
      `other.lock.${dead}.0a1b2c3d.tmp`,
    ]);
  });

  it('takes over a lock whose process is gone, and counts an unreadable one as held', async () => {
    const file = join(dir, 'op.lock');
    await writeFile(file, JSON.stringify({ pid: 2 ** 22 + 12345, started_at: '2026-01-01T00:00:00.000Z' }));
    expect(await lockHolder(file)).toBeNull();
    await acquireLockFile(file, { pid: process.pid, started_at: 'now' });
    await rm(file);
    await writeFile(file, '{"pid": 12');
    expect(await lockHolder(file)).toBe('unreadable');
    await expect(acquireLockFile(file, { pid: process.pid, started_at: 'now' })).rejects.toThrow('cannot be read');
    await writeFile(file, JSON.stringify({ pid: process.pid, started_at: 'earlier' }));
    await expect(acquireLockFile(file, { pid: process.pid, started_at: 'now' })).rejects.toBeInstanceOf(LockHeldError);
    await acquireLockFile(file, { pid: process.pid, started_at: 'now' }, true);
    expect(await readdir(dir)).toEqual(['op.lock']);
  });
});
