import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeServiceLock, runningService, writeServiceLock } from './service-lock';

describe('service lock', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mc-service-lock-'));
  });

  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reads a lock it cannot parse as a service running, never as none', async () => {
    await writeFile(join(dir, 'service.lock'), '{"pid": 4');
    expect(await runningService(dir)).toBe('unknown');
  });

  it('refuses to start beside a live service on the same data folder, and takes over a dead one', async () => {
    // pid 1 always exists.
    await writeFile(join(dir, 'service.lock'), JSON.stringify({ pid: 1, started_at: '2026-01-01T00:00:00Z' }));
    expect(await runningService(dir)).toBe(1);
    await expect(writeServiceLock(dir)).rejects.toThrow(/Another Mission Control runs on .*process 1/);
    await writeFile(
      join(dir, 'service.lock'),
      JSON.stringify({ pid: 2 ** 22 + 999, started_at: '2026-01-01T00:00:00Z' }),
    );
    expect(await runningService(dir)).toBeNull();
    await writeServiceLock(dir);
    expect(JSON.parse(await readFile(join(dir, 'service.lock'), 'utf8')).pid).toBe(process.pid);
    await removeServiceLock(dir);
    expect(await runningService(dir)).toBeNull();
  });
});
