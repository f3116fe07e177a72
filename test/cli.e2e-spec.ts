import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { api, FIXTURE_WORKSPACE, makeTempDir, removeDirs, startApp } from './support/app-harness';
import { ROOT, spawnService } from './support/service-process';
import { databaseEnv, storedEventTypes } from './support/test-database';

const run = promisify(execFile);

interface Folders {
  workspace: string;
  dataDir: string;
  backupDir: string;
}

function envOf(f: Folders): Record<string, string> {
  return {
    MC_WORKSPACE: f.workspace,
    MC_DATA_DIR: f.dataDir,
    MC_BACKUP_DIR: f.backupDir,
    MC_STALE_MINUTES: String(60 * 24 * 365 * 50),
  };
}

/** Runs the compiled command line, as `npm run cli -- …` and the `mission-control` bin do (without npm's own output). */
async function cli(f: Folders, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const service = spawnService('dist/cli/cli.js', args, envOf(f));
  const { code } = await service.exited;
  return { code, stdout: service.stdout(), stderr: service.stderr() };
}

// What `npm run cli` does first: build dist/ when it is missing or older than a source.
beforeAll(() => run(process.execPath, ['src/build/build-if-stale.js'], { cwd: ROOT }), 300_000);

async function folders(): Promise<Folders> {
  const base = await makeTempDir('mc-cli-');
  const f = { workspace: join(base, 'ws'), dataDir: join(base, 'data'), backupDir: join(base, 'backups') };
  await cp(FIXTURE_WORKSPACE, f.workspace, { recursive: true });
  return f;
}

describe('Command line', () => {
  jest.setTimeout(90_000);
  let f: Folders;

  beforeAll(async () => {
    f = await folders();
  });

  afterAll(() => removeDirs(join(f.workspace, '..')));

  it('makes, lists and verifies backups, with a progress bar', async () => {
    const full = await cli(f, 'backup');
    expect(full.code).toBe(0);
    expect(full.stdout).toMatch(/Backup \d{8}_\d{6}(_\d+)? made and verified: backup_.*\.tar\.gz/);
    expect(full.stderr).toMatch(/\[#+\] 100% .* 10\/10 files/);
    expect((await cli(f, 'backup', '--agent', 'forge')).stdout).toMatch(/agent_forge_/);
    const snapshot = await cli(f, 'backup', '--type', 'snapshot');
    expect(snapshot.code).toBe(0);
    const snapshotFile = join(f.backupDir, snapshot.stdout.match(/(snapshot_\S+\.json)/)![1]);
    expect(JSON.parse(await readFile(snapshotFile, 'utf8')).agents.map((a: { id: string }) => a.id)).toContain('forge');

    const list = await cli(f, 'list');
    expect(list.stdout.trim().split('\n')).toHaveLength(3);
    const id = full.stdout.match(/Backup (\S+)/)![1];
    const verified = await cli(f, 'verify', id);
    expect(verified).toMatchObject({ code: 0, stdout: expect.stringContaining(`Backup ${id} is valid: 10 files`) });
  });

  it("is the package's bin, mission-control, run from its shebang as an installed command is", async () => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('MC_')));
    const bin = await run('npm', ['exec', '--offline', '--no', '--', 'mission-control', 'list'], {
      cwd: ROOT,
      env: { ...clean, ...envOf(f), ...databaseEnv(f.dataDir) },
    });
    expect(bin.stdout).toBe((await cli(f, 'list')).stdout);
    expect(bin.stdout.trim().split('\n')).toHaveLength(3);
  });

  it('fails with a clear message and a non-zero code', async () => {
    expect(await cli(f, 'verify', '../../etc')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('The backup id is missing or malformed'),
    });
    expect(await cli(f, 'verify', '20200101_000000')).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('Failed: Backup not found'),
    });
    expect(await cli(f, 'launch')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('Unknown command "launch"'),
    });
    expect(await cli(f, 'backup', '--type', 'agent_state')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('needs --agent'),
    });
    expect((await cli(f, 'backup', '--agent', 'ghost')).code).toBe(1);
  });

  it('refuses to back up a workspace that does not exist unless --allow-empty, and counts "1 file"', async () => {
    const base = await makeTempDir('mc-cli-empty-');
    const g = {
      workspace: join(base, 'no-such-workspace'),
      dataDir: join(base, 'data'),
      backupDir: join(base, 'backups'),
    };
    try {
      for (const args of [['backup'], ['backup', '--type', 'snapshot']]) {
        const refused = await cli(g, ...args);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toContain(
          `Failed: The workspace ${join(g.workspace, 'mission-control')} does not exist`,
        );
        expect(refused.stderr).toContain('--allow-empty');
      }
      expect((await cli(g, 'list')).stdout).toBe('No backups yet.\n');
      expect(await cli(g, 'backup', '--agent', 'forge', '--allow-empty')).toMatchObject({
        code: 2,
        stderr: expect.stringContaining('--allow-empty'),
      });

      const made = await cli(g, 'backup', '--allow-empty');
      expect(made.code).toBe(0);
      expect(made.stdout).toMatch(
        /made and verified: backup_\S+\.tar\.gz, [\d.]+ [KM]?B, 1 file, sha256:[0-9a-f]{64}\n$/,
      );
      const verified = await cli(g, 'verify', made.stdout.match(/Backup (\S+)/)![1]);
      expect(verified.stdout).toMatch(/is valid: 1 file matches the manifest\.\n$/);
    } finally {
      await removeDirs(base);
    }
  });

  it('exports a backup and imports it into another Mission Control', async () => {
    const id = (await cli(f, 'backup')).stdout.match(/Backup (\S+)/)![1];
    const file = join(f.workspace, '..', 'exported.tar.gz');
    const exported = await cli(f, 'export', id, file);
    expect(exported.code).toBe(0);
    const other = await folders();
    const imported = await cli(other, 'import', file);
    expect(imported).toMatchObject({ code: 0, stdout: expect.stringContaining(`as backup ${id} (full, 10 files`) });
    expect((await cli(other, 'list')).stdout).toContain(id);
    expect(await readFile(join(other.backupDir, `backup_${id}.tar.gz`))).toEqual(await readFile(file));
    await removeDirs(join(other.workspace, '..'));
  });

  it('restores files, and the database only when the service is stopped', async () => {
    const app = await startApp({ workspace: f.workspace, dataDir: f.dataDir, env: { MC_BACKUP_DIR: f.backupDir } });
    await api(app.url, '/api/events', { method: 'POST', json: { event_type: 'before_backup' } });
    const backup = (await api(app.url, '/api/backups', { method: 'POST', json: { type: 'full' } })).body;
    await api(app.url, '/api/events', { method: 'POST', json: { event_type: 'after_backup' } });
    await writeFile(join(f.workspace, 'mission-control', 'agents', 'forge', 'state.json'), '{"status": "crashed"}');

    const refused = await cli(f, 'restore', backup.id, '--with-database');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Mission Control is running on this (data folder|database)/);
    await app.close();

    const restored = await cli(f, 'restore', backup.id, '--with-database');
    expect(restored.code).toBe(0);
    expect(restored.stdout).toContain(`Restored the workspace from backup ${backup.id}`);
    expect(restored.stdout).toContain('Database');
    expect(
      JSON.parse(await readFile(join(f.workspace, 'mission-control', 'agents', 'forge', 'state.json'), 'utf8')).status,
    ).toBe('operational');
    const types = await storedEventTypes(f.dataDir);
    expect(types).toContain('before_backup');
    expect(types).not.toContain('after_backup');

    const single = await cli(f, 'restore', backup.id, '--agent', 'forge');
    expect(single).toMatchObject({ code: 0, stdout: expect.stringContaining('Restored agent forge') });
  });
});

describe('A backup killed halfway', () => {
  jest.setTimeout(90_000);

  it('leaves no listed backup and no backup-looking file', async () => {
    const f = await folders();
    const logs = join(f.workspace, 'mission-control', 'logs');
    await mkdir(logs, { recursive: true });
    for (let i = 0; i < 24; i++) await writeFile(join(logs, `run-${i}.log`), randomBytes(4 * 1024 * 1024));

    const service = spawnService('src/main.ts', [], envOf(f));
    const url = await service.url();
    const deadline = Date.now() + 30_000;

    void fetch(`${url}/api/backups`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"type":"full"}',
    }).catch(() => undefined);
    const partial = async () =>
      (await readdir(f.backupDir).catch(() => [] as string[])).some((n) => n.endsWith('.partial'));
    while (!(await partial()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(await partial()).toBe(true);
    service.child.kill('SIGKILL');
    await service.exited;

    const again = await startApp({ workspace: f.workspace, dataDir: f.dataDir, env: { MC_BACKUP_DIR: f.backupDir } });
    try {
      expect((await api(again.url, '/api/backups')).body.backups).toEqual([]);
      expect((await readdir(f.backupDir)).filter((n) => !n.startsWith('.operation'))).toEqual([]);
      // And the next backup works.
      expect(
        (await api(again.url, '/api/backups', { method: 'POST', json: { type: 'agent_state', agent_id: 'forge' } }))
          .status,
      ).toBe(201);
    } finally {
      await again.close();
      await removeDirs(join(f.workspace, '..'));
    }
  });
});
