import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { appendFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ArchiveFile } from './archive-file';
import { compareWithManifest, readArchive } from './archive-reader';
import { listFiles, writeArchive } from './backup-archive';
import { writeCheckedArchiveOffThread } from './checked-archive';

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const all: Buffer[] = [];
  for await (const chunk of chunks) all.push(chunk);
  return Buffer.concat(all);
}

const base = {
  format: 1 as const,
  id: 'test',
  type: 'full',
  agent_id: null,
  created_at: '2026-11-27T00:00:00.000Z',
  service_version: 'test',
};

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
    const files = listFiles(join(dir, 'ws'), 'mission-control');
    expect(files.map((f) => [f.path, f.size])).toEqual([
      ['mission-control/TASK_QUEUE.md', 8],
      ['mission-control/agents/a/state.json', 7],
      ['mission-control/agents/b/state.json', 7],
    ]);
    expect(listFiles(join(dir, 'ws', 'TASK_QUEUE.md'), 'q.md')).toEqual([
      expect.objectContaining({ path: 'q.md', size: 8 }),
    ]);
    expect(listFiles(join(dir, 'missing'), 'x')).toEqual([]);
  });

  it('archives a file that grew since it was listed whole, as the manifest says, and tar extracts it', async () => {
    const files = listFiles(join(dir, 'ws'), 'mission-control');
    await appendFile(join(dir, 'ws', 'TASK_QUEUE.md'), '- [ ] one more\n');
    const target = join(dir, 'out.tar.gz');
    const written = await writeArchive(new ArchiveFile(target), files, base);

    expect(written.manifest.files.find((f) => f.path === 'mission-control/TASK_QUEUE.md')?.size).toBe(23);
    const read = await readArchive(target, Number.POSITIVE_INFINITY);
    expect(read.sha256).toBe(written.sha256);
    expect(compareWithManifest(read)).toEqual([]);
    await mkdir(join(dir, 'extracted'));
    execFileSync('tar', ['-xzf', target, '-C', join(dir, 'extracted')]);
    expect(await readFile(join(dir, 'extracted', 'mission-control', 'TASK_QUEUE.md'), 'utf8')).toBe(
      '# Tasks\n- [ ] one more\n',
    );
  });

  it('lists, writes and checks an archive in a worker thread, with progress, and passes on an error with its code', async () => {
    const progress: number[] = [];
    const job = {
      target: join(dir, 'worker.tar.gz'),
      sources: [{ dir: join(dir, 'ws'), prefix: 'mission-control' }],
      files: [],
      manifestBase: base,
    };
    const written = await writeCheckedArchiveOffThread(job, (p) => progress.push(p.files));
    expect(written.errors).toEqual([]);
    expect(progress[progress.length - 1]).toBe(3);
    expect(written.fileCount).toBe(3);
    const read = await readArchive(job.target, Number.POSITIVE_INFINITY);
    expect(read.manifest?.files.map((f) => f.path)).toEqual([
      'mission-control/TASK_QUEUE.md',
      'mission-control/agents/a/state.json',
      'mission-control/agents/b/state.json',
    ]);
    expect(read.sha256).toBe(written.sha256);
    expect(compareWithManifest(read)).toEqual([]);

    const gone = { source: join(dir, 'gone.db'), path: 'database/metrics.db', size: 10 };
    await expect(
      writeCheckedArchiveOffThread({ ...job, target: join(dir, 'gone.tar.gz'), files: [gone] }),
    ).rejects.toMatchObject({
      code: 'ENOENT',
      message: expect.stringContaining('gone.db'),
    });
  });

  it('reads an archive file back from disk as it is written, and stops when the writing fails', async () => {
    const file = new ArchiveFile(join(dir, 'growing'));
    const chunks = [Buffer.from('first '), Buffer.alloc(3 * 1024 * 1024, 7), Buffer.from(' last')];
    const readBack = collect(file.readBack());
    for (const chunk of chunks) {
      await new Promise((resolve) => file.write(chunk, resolve));
      await sleep(20);
    }
    await new Promise((resolve) => file.end(resolve));
    const whole = Buffer.concat(chunks);
    expect((await readBack).equals(whole)).toBe(true);
    expect(file.digest()).toBe(createHash('sha256').update(whole).digest('hex'));
    expect((await readFile(join(dir, 'growing'))).equals(whole)).toBe(true);

    const failing = new ArchiveFile(join(dir, 'failing'));
    const failed = once(failing, 'error');
    const partial = collect(failing.readBack());
    await new Promise((resolve) => failing.write(Buffer.from('half'), resolve));
    failing.destroy(new Error('disk full'));
    expect((await partial).toString()).toBe('half');
    expect(await failed).toEqual([new Error('disk full')]);
  });
});
