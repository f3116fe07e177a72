import { execFileSync } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareWithManifest, readArchive } from './archive-reader';
import { listFiles, writeArchive, writeArchiveOffThread } from './backup-archive';

const base = { format: 1 as const, id: 'test', type: 'full', agent_id: null, created_at: '2026-11-27T00:00:00.000Z', service_version: 'test' };

describe('Backup archives', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mc-archive-'));
    await mkdir(join(dir, 'ws', 'agents', 'b'), { recursive: true });
    await mkdir(join(dir, 'ws', 'agents', 'a'));
    await writeFile(join(dir, 'ws', 'agents', 'b', 'state.json'), '{"b":1}');
    await writeFile(join(dir, 'ws', 'agents', 'a', 'state.json'), '{"a":1}');
    await writeFile(join(dir, 'ws', 'TASK_QUEUE.md'), '# Tasks\n');
    await symlink(join(dir, 'ws', 'TASK_QUEUE.md'), join(dir, 'ws', 'link.md'));
  });

  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('lists regular files in name order with their sizes, leaving links out', async () => {
    const files = await listFiles(join(dir, 'ws'), 'mission-control');
    expect(files.map((f) => [f.path, f.size])).toEqual([
      ['mission-control/TASK_QUEUE.md', 8],
      ['mission-control/agents/a/state.json', 7],
      ['mission-control/agents/b/state.json', 7],
    ]);
    expect(await listFiles(join(dir, 'ws', 'TASK_QUEUE.md'), 'q.md')).toEqual([expect.objectContaining({ path: 'q.md', size: 8 })]);
    expect(await listFiles(join(dir, 'missing'), 'x')).toEqual([]);
  });

  it('archives a file that grew since it was listed whole, as the manifest says, and tar extracts it', async () => {
    const files = await listFiles(join(dir, 'ws'), 'mission-control');
    await appendFile(join(dir, 'ws', 'TASK_QUEUE.md'), '- [ ] one more\n');
    const target = join(dir, 'out.tar.gz');
    const written = await writeArchive(target, files, base);

    expect(written.manifest.files.find((f) => f.path === 'mission-control/TASK_QUEUE.md')?.size).toBe(23);
    const read = await readArchive(target, Number.POSITIVE_INFINITY);
    expect(read.sha256).toBe(written.sha256);
    expect(compareWithManifest(read)).toEqual([]);
    await mkdir(join(dir, 'extracted'));
    execFileSync('tar', ['-xzf', target, '-C', join(dir, 'extracted')]);
    expect(await readFile(join(dir, 'extracted', 'mission-control', 'TASK_QUEUE.md'), 'utf8')).toBe('# Tasks\n- [ ] one more\n');
  });

  it('writes the same archive in a worker thread, with progress, and passes on an error with its code', async () => {
    const files = await listFiles(join(dir, 'ws'), 'mission-control');
    const progress: number[] = [];
    const written = await writeArchiveOffThread({ target: join(dir, 'worker.tar.gz'), files, manifestBase: base }, (p) => progress.push(p.files));
    expect(progress[progress.length - 1]).toBe(3);
    expect(compareWithManifest(await readArchive(join(dir, 'worker.tar.gz'), Number.POSITIVE_INFINITY))).toEqual([]);
    expect(written.manifest.files).toHaveLength(3);

    await rm(join(dir, 'ws', 'agents', 'a', 'state.json'));
    await expect(writeArchiveOffThread({ target: join(dir, 'gone.tar.gz'), files, manifestBase: base })).rejects.toMatchObject({
      code: 'ENOENT',
      message: expect.stringContaining('agents/a/state.json'),
    });
  });
});
