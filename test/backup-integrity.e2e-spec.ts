import { execFileSync } from 'node:child_process';
import { renameSync, watch, writeFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listFiles } from '../src/backups/backup-archive';
import { api, makeTempDir, removeDirs, startApp, TestApp, waitFor } from './support/app-harness';
import { sha256 } from './support/tar-craft';

const STALE = { MC_STALE_MINUTES: String(60 * 24 * 365 * 50) };
const create = (t: TestApp, json: object) => api(t.url, '/api/backups', { method: 'POST', json });

/** Every file under `dir` by its path, with its sha256: two trees are the same when these are equal. */
async function tree(dir: string): Promise<Record<string, string>> {
  const files = listFiles(dir, '');
  return Object.fromEntries(await Promise.all(files.map(async (f) => [f.path, sha256(await readFile(f.source))])));
}

/**
 * As a failing disk or another process would: the moment a backup's partial file appears in `dir`,
 * another file takes its name, so what the service goes on writing is not what the disk holds there.
 * The replacement is a well-formed snapshot, so only a comparison with what was written can tell.
 */
function replaceWhenCreated(dir: string) {
  let replaced: string | null = null;
  const watcher = watch(dir, (_event, name) => {
    if (replaced || !name || !/^\.(backup|agent|snapshot)_.+\.partial$/.test(name)) return;
    replaced = name;
    writeFileSync(join(dir, 'replacement.tmp'), JSON.stringify({ format: 1, type: 'snapshot', id: 'x', agents: [] }));
    renameSync(join(dir, 'replacement.tmp'), join(dir, name));
  });
  return { replaced: () => replaced, close: () => watcher.close() };
}

describe('Backups are read back from disk and checked before they are listed', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ env: STALE });
  });

  afterAll(async () => {
    await t.close();
    await removeDirs(t.workspace, t.dataDir);
  });

  it.each([
    ['snapshot', { type: 'snapshot' }, 'snapshot'],
    ['full', { type: 'full' }, 'backup'],
    ['agent_state', { type: 'agent_state', agent_id: 'forge' }, 'agent_forge'],
  ])(
    '%s: a backup whose file on disk is not what was written fails, and is neither listed nor kept',
    async (type, body, prefix) => {
      const dir = join(t.dataDir, 'backups');
      const files = async () => (await readdir(dir)).filter((n) => !n.startsWith('.operation')).sort();
      const [listedBefore, filesBefore] = [(await api(t.url, '/api/backups')).body.backups, await files()];
      const damage = replaceWhenCreated(dir);
      const res = await create(t, body).finally(() => damage.close());

      expect(damage.replaced()).toMatch(new RegExp(`^\\.${prefix}_\\d{8}_\\d{6}(_\\d+)?\\.(json|tar\\.gz)\\.partial$`));
      expect(res.status).toBe(500);
      expect(res.body).toMatchObject({ error: 'Internal server error', status_code: 500, path: '/api/backups' });
      expect((await api(t.url, '/api/backups')).body.backups).toEqual(listedBefore);
      expect(await files()).toEqual(filesBefore);
      const failed = await waitFor(async () => {
        const { events } = (await api(t.url, '/api/system/events?type=backup_failed')).body;
        return events.find((e: { data: { type: string } }) => e.data.type === type);
      });
      expect(failed.data).toMatchObject({
        operation: 'backup',
        error: expect.stringMatching(
          /^the new backup did not check out: the (file|archive) does not match its recorded sha256/,
        ),
      });

      // Nothing in the way: the same backup is made, and its file is the one listed.
      const made = await create(t, body);
      expect(made.status).toBe(201);
      const file = (await files()).find((n) => n.startsWith(`${prefix}_${made.body.id}`)) as string;
      expect(made.body.integrity_hash).toBe(`sha256:${sha256(await readFile(join(dir, file)))}`);
    },
  );
});

describe('A restore interrupted mid-swap', () => {
  // The steps of RestoreService.swap: journal written; workspace moved aside; staged workspace moved in; journal removed.
  it.each([
    ['once the journal is written, before the workspace is moved aside', 'old', 1],
    ['once the workspace is moved aside, before the staged one takes its place', 'new', 2],
    ['once the staged workspace is in place, before the journal is removed', 'new', 3],
  ] as const)('killed %s: the next start leaves the whole %s workspace', async (_when, expected, step) => {
    const t = await startApp({ env: STALE });
    const backup = (await create(t, { type: 'full' })).body;
    // What the workspace holds at the crash differs from the backup in a changed, a removed and an added agent.
    await writeFile(
      join(t.mc, 'agents', 'forge', 'state.json'),
      JSON.stringify({ agent: 'forge', status: 'crashed', lastActive: new Date().toISOString() }),
    );
    await rm(join(t.mc, 'agents', 'maven'), { recursive: true });
    await mkdir(join(t.mc, 'agents', 'intruder'));
    await writeFile(join(t.mc, 'agents', 'intruder', 'state.json'), '{"status": "busy"}');
    await t.close();

    // The disk as the restore left it when the process died, named as RestoreService names things.
    const tag = `${backup.id}-0badf00d`;
    const staging = join(t.workspace, `.mc-restore-${tag}`);
    const journal = {
      target: t.mc,
      staged: join(staging, 'mission-control'),
      old: join(t.workspace, `.mc-old-${tag}`),
      staging,
    };
    await mkdir(staging);
    execFileSync('tar', [
      '-xzf',
      join(t.dataDir, 'backups', `backup_${backup.id}.tar.gz`),
      '-C',
      staging,
      'mission-control',
    ]);
    const trees = { old: await tree(t.mc), new: await tree(journal.staged) };
    expect(trees.old).not.toEqual(trees.new);
    await writeFile(join(t.dataDir, 'restore-journal.json'), JSON.stringify(journal));
    if (step >= 2) await rename(journal.target, journal.old);
    if (step >= 3) await rename(journal.staged, journal.target);

    const again = await startApp({ workspace: t.workspace, dataDir: t.dataDir, env: STALE });
    try {
      expect(await tree(t.mc)).toEqual(trees[expected]);
      expect(await readdir(t.workspace)).toEqual(['mission-control']);
      await expect(stat(join(t.dataDir, 'restore-journal.json'))).rejects.toThrow();
      const forge = (await api(again.url, '/api/agents/forge')).body;
      expect(forge.raw_status).toBe(expected === 'new' ? 'operational' : 'crashed');
      expect((await api(again.url, '/api/agents/intruder')).status).toBe(expected === 'new' ? 404 : 200);
    } finally {
      await again.close();
      await removeDirs(t.workspace, t.dataDir);
    }
  });

  it('a journal that names folders the restore did not make is set aside, and nothing is moved or deleted', async () => {
    const t = await startApp({ env: STALE });
    await t.close();
    const elsewhere = await makeTempDir('mc-not-ours-');
    await writeFile(join(elsewhere, 'keep.txt'), 'mine');
    const before = await tree(t.mc);
    await writeFile(
      join(t.dataDir, 'restore-journal.json'),
      JSON.stringify({ target: t.mc, staged: elsewhere, old: elsewhere, staging: elsewhere }),
    );
    const again = await startApp({ workspace: t.workspace, dataDir: t.dataDir, env: STALE });
    try {
      expect(await readFile(join(elsewhere, 'keep.txt'), 'utf8')).toBe('mine');
      expect(await tree(t.mc)).toEqual(before);
      expect(await readdir(t.dataDir)).toContain('restore-journal.json.invalid');
      expect((await api(again.url, '/api/agents/forge')).status).toBe(200);
    } finally {
      await again.close();
      await removeDirs(t.workspace, t.dataDir, elsewhere);
    }
  });
});

describe('Drafts a killed process left between writing and renaming', () => {
  it('are removed at start: status.json drafts, and backup lock drafts of processes that are gone', async () => {
    const dataDir = await makeTempDir('mc-data-');
    const backups = join(dataDir, 'backups');
    await mkdir(backups, { recursive: true });
    const gone = 2 ** 22 + 4321;
    await writeFile(join(dataDir, `status.json.${gone}.tmp`), '{"half":');
    await writeFile(join(backups, `.operation.lock.${gone}.5ebc7a5b.tmp`), '{}');
    const t = await startApp({ dataDir });
    try {
      expect((await readdir(dataDir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
      expect((await readdir(backups)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    } finally {
      await t.close();
      await removeDirs(t.workspace, dataDir);
    }
  });
});
