import { ConflictException } from '@nestjs/common';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackupLock } from './backup-lock';

describe('BackupLock', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mc-backup-lock-'));
  });

  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('takes a lock it cannot read for held, not abandoned: another process may be writing it', async () => {
    // What another process's lock looks like between creating the file and writing into it.
    await writeFile(join(dir, '.operation.lock'), '');
    await expect(lock().run('backup', null, async () => 'ran')).rejects.toBeInstanceOf(ConflictException);
    expect(await readFile(join(dir, '.operation.lock'), 'utf8')).toBe('');
  });

  it('says which operation holds it, and takes over one whose process is gone', async () => {
    const blocked = lock().run('restore', '20260101_000000', () => lock().run('backup', null, async () => 'ran'));
    await expect(blocked).rejects.toMatchObject({
      response: {
        message: 'A restore is already running',
        running: { operation: 'restore', backup_id: '20260101_000000' },
      },
    });
    await writeFile(
      join(dir, '.operation.lock'),
      JSON.stringify({ operation: 'backup', backup_id: null, pid: 2 ** 22 + 4321, started_at: '2026-01-01T00:00:00Z' }),
    );
    await expect(lock().run('backup', null, async () => 'ran')).resolves.toBe('ran');
  });

  const lock = () => new BackupLock(dir);
});
