import { SchedulerRegistry } from '@nestjs/schedule';
import { getRepositoryToken } from '@nestjs/typeorm';
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Repository } from 'typeorm';
import { Backup } from '../src/backups/backup.entity';
import { BackupsService } from '../src/backups/backups.service';
import { StatusService } from '../src/status/status.service';
import { api, makeTempDir, removeDirs, startApp, TestApp, waitFor } from './support/app-harness';
import { craftedBackup, gzipBomb, rawTar, sha256 } from './support/tar-craft';
import { DATABASE_ENTRY, eventTypesInCopy } from './support/test-database';

const STALE = { MC_STALE_MINUTES: String(60 * 24 * 365 * 50) };
const create = (t: TestApp, json: object) => api(t.url, '/api/backups', { method: 'POST', json });
const listing = (tarball: string) => execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n');

async function upload(t: TestApp, content: Buffer, name = 'backup.tar.gz') {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(content)]), name);
  return api(t.url, '/api/backups/import', { method: 'POST', body: form });
}

describe('Backups', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ env: STALE });
  });

  afterAll(async () => {
    await t.close();
    await removeDirs(t.workspace, t.dataDir);
  });

  it('makes a full backup with the workspace, a consistent database copy and a manifest of every file', async () => {
    await api(t.url, '/api/events', { method: 'POST', json: { event_type: 'message_sent', agent_id: 'forge' } });
    const { status, body } = await create(t, { type: 'full' });
    expect(status).toBe(201);
    expect(body).toMatchObject({
      id: expect.stringMatching(/^\d{8}_\d{6}(_\d+)?$/),
      type: 'full',
      agent_id: null,
      status: 'verified',
      trigger: 'manual',
    });
    const file = join(t.dataDir, 'backups', `backup_${body.id}.tar.gz`);
    expect(body.integrity_hash).toBe(`sha256:${sha256(await readFile(file))}`);
    expect(body.size_bytes).toBe((await stat(file)).size);
    // The fixture's backup is tens of KiB, shown in KiB with one decimal (humanSize's own cases are in its spec).
    expect(body.size_bytes).toBeGreaterThanOrEqual(1024);
    expect(body.size_bytes).toBeLessThan(1024 * 1024);
    expect(body.size_human).toBe(`${(body.size_bytes / 1024).toFixed(1)} KB`);

    const entries = listing(file);
    expect(entries).toEqual(
      expect.arrayContaining([
        'manifest.json',
        DATABASE_ENTRY,
        'mission-control/agents/forge/state.json',
        'mission-control/TASK_QUEUE.md',
        'mission-control/current_office_state.json',
      ]),
    );
    const manifest = JSON.parse(execFileSync('tar', ['-xzOf', file, 'manifest.json'], { encoding: 'utf8' }));
    expect(manifest).toMatchObject({
      format: 1,
      id: body.id,
      type: 'full',
      agent_id: null,
      service_version: expect.any(String),
    });
    expect(manifest.files.map((f: { path: string }) => f.path).sort()).toEqual(
      entries.filter((e) => e !== 'manifest.json').sort(),
    );
    expect(body.file_count).toBe(manifest.files.length);
    const forge = manifest.files.find((f: { path: string }) => f.path === 'mission-control/agents/forge/state.json');
    const original = await readFile(join(t.mc, 'agents', 'forge', 'state.json'));
    expect(forge).toEqual({ path: forge.path, size: original.length, sha256: sha256(original) });

    // The database copy is a working SQLite file (a pg_dump on PostgreSQL) holding what was committed.
    const dir = await makeTempDir('mc-db-');
    execFileSync('tar', ['-xzf', file, '-C', dir, DATABASE_ENTRY]);
    const count = (await eventTypesInCopy(join(dir, DATABASE_ENTRY))).length;
    expect(count).toBeGreaterThanOrEqual(1);
    await removeDirs(dir);

    await t.app.get(StatusService).report('running');
    expect(JSON.parse(await readFile(join(t.dataDir, 'status.json'), 'utf8')).last_backup).toBe(body.created_at);
  });

  it('makes agent_state and snapshot backups, named as the original service named them', async () => {
    const agent = (await create(t, { type: 'agent_state', agent_id: 'forge' })).body;
    expect(agent).toMatchObject({ type: 'agent_state', agent_id: 'forge', file_count: 1 });
    expect(listing(join(t.dataDir, 'backups', `agent_forge_${agent.id}.tar.gz`)).sort()).toEqual([
      'manifest.json',
      'mission-control/agents/forge/state.json',
    ]);

    const snapshot = (await create(t, { type: 'snapshot' })).body;
    const json = JSON.parse(await readFile(join(t.dataDir, 'backups', `snapshot_${snapshot.id}.json`), 'utf8'));
    expect(json).toMatchObject({
      format: 1,
      type: 'snapshot',
      id: snapshot.id,
      office: { positions: expect.any(Object) },
      task_queue: { source: 'TASK_QUEUE.json' },
    });
    expect(json.agents.map((a: { id: string }) => a.id)).toContain('forge');
    expect(snapshot.file_count).toBe(json.agents.length);

    const list = (await api(t.url, '/api/backups')).body.backups;
    expect(list.map((b: { created_at: string }) => b.created_at)).toEqual(
      [...list.map((b: { created_at: string }) => b.created_at)].sort().reverse(),
    );
    expect(
      (await api(t.url, '/api/backups?type=snapshot')).body.backups.every(
        (b: { type: string }) => b.type === 'snapshot',
      ),
    ).toBe(true);
  });

  it.each([
    [{ type: 'weekly' }, 'type'],
    [{ type: 'agent_state' }, 'agent_id'],
    [{ type: 'agent_state', agent_id: '../../etc' }, 'agent_id'],
  ])('rejects %j with 400 naming the field', async (body, field) => {
    const res = await create(t, body);
    expect(res.status).toBe(400);
    expect(res.body.details[0].field).toBe(field);
  });

  it('answers 404 for an agent_state backup of an agent with no folder, and for unknown backups', async () => {
    expect((await create(t, { type: 'agent_state', agent_id: 'ghost' })).status).toBe(404);
    expect((await api(t.url, '/api/backups/20200101_000000/verify', { method: 'POST' })).status).toBe(404);
    const bad = await api(t.url, '/api/backups/..%2F..%2Fetc/verify', { method: 'POST' });
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].field).toBe('id');
  });

  it('verifies a good backup, and catches a flipped byte in the archive', async () => {
    const backup = (await create(t, { type: 'full' })).body;
    expect((await api(t.url, `/api/backups/${backup.id}/verify`, { method: 'POST' })).body).toEqual({
      id: backup.id,
      valid: true,
      checked_files: backup.file_count,
      errors: [],
    });

    const file = join(t.dataDir, 'backups', `backup_${backup.id}.tar.gz`);
    const bytes = await readFile(file);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    await writeFile(file, bytes);
    const result = (await api(t.url, `/api/backups/${backup.id}/verify`, { method: 'POST' })).body;
    expect(result.valid).toBe(false);
    expect(result.errors).toContain('the archive does not match its recorded sha256');
    expect((await api(t.url, '/api/backups')).body.backups.find((b: { id: string }) => b.id === backup.id).status).toBe(
      'failed',
    );
  });

  it('catches a file changed inside an archive whose recorded hash was updated to match', async () => {
    const backup = (await create(t, { type: 'full' })).body;
    const file = join(t.dataDir, 'backups', `backup_${backup.id}.tar.gz`);
    const dir = await makeTempDir('mc-tamper-');
    execFileSync('tar', ['-xzf', file, '-C', dir]);
    await writeFile(join(dir, 'mission-control/agents/forge/state.json'), '{"status": "tampered"}');
    execFileSync('tar', ['-czf', file, '-C', dir, 'manifest.json', 'database', 'mission-control']);
    await removeDirs(dir);
    await t.app
      .get<Repository<Backup>>(getRepositoryToken(Backup))
      .update({ id: backup.id }, { integrity_hash: `sha256:${sha256(await readFile(file))}` });
    const result = (await api(t.url, `/api/backups/${backup.id}/verify`, { method: 'POST' })).body;
    expect(result.valid).toBe(false);
    expect(result.errors.join()).toMatch(
      /mission-control\/agents\/forge\/state.json (is \d+ bytes, the manifest says|does not match)/,
    );
  });

  it('downloads a backup with its length, name and hash', async () => {
    const backup = (await create(t, { type: 'agent_state', agent_id: 'scribe' })).body;
    const res = await fetch(`${t.url}/api/backups/${backup.id}/download`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="agent_scribe_${backup.id}.tar.gz"`);
    expect(res.headers.get('content-length')).toBe(String(backup.size_bytes));
    expect(res.headers.get('x-integrity-hash')).toBe(backup.integrity_hash);
    expect(`sha256:${sha256(Buffer.from(await res.arrayBuffer()))}`).toBe(backup.integrity_hash);
  });

  it('answers 404 in the error shape for a listed backup whose file is gone or is not a file', async () => {
    const backup = (await create(t, { type: 'agent_state', agent_id: 'scribe' })).body;
    const file = join(t.dataDir, 'backups', `agent_scribe_${backup.id}.tar.gz`);
    await rm(file);
    // A folder where the file was: opened by name it is no stream of a backup either.
    await mkdir(file);
    for (const attempt of ['a folder', 'nothing']) {
      const res = await api(t.url, `/api/backups/${backup.id}/download`);
      expect([attempt, res.status, res.body]).toEqual([
        attempt,
        404,
        expect.objectContaining({ status_code: 404, error: expect.stringContaining('missing from the backup folder') }),
      ]);
      await rm(file, { recursive: true, force: true });
    }
  });

  it('sends a download whole when the backup is deleted while it is under way', async () => {
    const backup = (await create(t, { type: 'full' })).body;
    const res = await fetch(`${t.url}/api/backups/${backup.id}/download`);
    expect(res.status).toBe(200);
    expect((await api(t.url, `/api/backups/${backup.id}`, { method: 'DELETE' })).status).toBe(200);
    expect(`sha256:${sha256(Buffer.from(await res.arrayBuffer()))}`).toBe(backup.integrity_hash);
  });

  it('deletes a backup, file and listing', async () => {
    const backup = (await create(t, { type: 'snapshot' })).body;
    expect((await api(t.url, `/api/backups/${backup.id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await api(t.url, '/api/backups')).body.backups.some((b: { id: string }) => b.id === backup.id)).toBe(false);
    await expect(stat(join(t.dataDir, 'backups', `snapshot_${backup.id}.json`))).rejects.toThrow();
  });

  it('describes the recovery procedures', async () => {
    const { body } = await api(t.url, '/api/backups/procedures');
    expect(body.procedures.map((p: { name: string }) => p.name)).toEqual([
      'Full restore',
      'Single-agent restore',
      'Manual file recovery',
    ]);
    expect(body.procedures[0].steps.join(' ')).toContain('pre_restore');
  });

  it('keeps the newest verified full backup whatever its age, and deletes the rest past retention', async () => {
    const repo = t.app.get<Repository<Backup>>(getRepositoryToken(Backup));
    const old = '2000-01-01T00:00:00.000Z';
    await repo.createQueryBuilder().update().set({ created_at: old }).execute();
    const newestFull = (await repo.find({ where: { type: 'full', status: 'verified' }, order: { id: 'DESC' } }))[0];
    await repo.update({ id: newestFull.id }, { created_at: '2000-01-02T00:00:00.000Z' });
    const deleted = await t.app.get(BackupsService).prune();
    expect(deleted.length).toBeGreaterThan(0);
    const left = (await api(t.url, '/api/backups')).body.backups;
    expect(left.map((b: { id: string }) => b.id)).toEqual([newestFull.id]);
    const names = await readdir(join(t.dataDir, 'backups'));
    expect(names.filter((n) => !n.startsWith('.'))).toEqual([newestFull.file]);
  });
});

describe('Restore', () => {
  let t: TestApp;
  const agent = async (id: string) => (await api(t.url, `/api/agents/${id}`)).body;

  beforeAll(async () => {
    t = await startApp({ env: STALE });
  });

  afterAll(async () => {
    await t.close();
    await removeDirs(t.workspace, t.dataDir);
  });

  it('restores the whole workspace after a safety backup, keeps folders backups do not take, and the watcher shows it', async () => {
    const backup = (await create(t, { type: 'full' })).body;
    await writeFile(
      join(t.mc, 'agents', 'forge', 'state.json'),
      JSON.stringify({ agent: 'forge', status: 'crashed', lastActive: new Date().toISOString() }),
    );
    await rm(join(t.mc, 'agents', 'maven'), { recursive: true });
    await mkdir(join(t.mc, 'agents', 'intruder'));
    await mkdir(join(t.mc, 'notes'));
    await writeFile(join(t.mc, 'notes', 'keep.txt'), 'mine');
    await waitFor(async () => (await agent('forge')).status === 'error');

    const { status, body } = await api(t.url, `/api/backups/${backup.id}/restore`, { method: 'POST', json: {} });
    expect(status).toBe(200);
    expect(body).toEqual({
      success: true,
      message: `Restored the workspace from backup ${backup.id}`,
      restored_files: backup.file_count - 1,
      safety_backup_id: expect.any(String),
    });
    await waitFor(async () => (await agent('forge')).raw_status === 'operational', 5000);
    expect((await agent('maven')).name).toBe('Maven');
    await waitFor(async () => (await api(t.url, '/api/agents/intruder')).status === 404);
    expect(await readFile(join(t.mc, 'notes', 'keep.txt'), 'utf8')).toBe('mine');

    const safety = (await api(t.url, '/api/backups')).body.backups.find(
      (b: { id: string }) => b.id === body.safety_backup_id,
    );
    expect(safety).toMatchObject({ type: 'full', trigger: 'pre_restore', status: 'verified' });
    const crashed = execFileSync(
      'tar',
      ['-xzOf', join(t.dataDir, 'backups', `backup_${safety.id}.tar.gz`), 'mission-control/agents/forge/state.json'],
      { encoding: 'utf8' },
    );
    expect(JSON.parse(crashed).status).toBe('crashed');
    const leftovers = (await readdir(t.workspace)).filter((n) => n.startsWith('.mc-'));
    expect(leftovers).toEqual([]);
  });

  it('restores one agent only, from a full or an agent_state backup', async () => {
    const full = (await create(t, { type: 'full' })).body;
    await writeFile(
      join(t.mc, 'agents', 'forge', 'state.json'),
      JSON.stringify({ agent: 'forge', status: 'idle', lastActive: new Date().toISOString() }),
    );
    await writeFile(
      join(t.mc, 'agents', 'scribe', 'state.json'),
      JSON.stringify({ name: 'Scribe', status: 'idle', last_active: new Date().toISOString() }),
    );
    await waitFor(async () => (await agent('scribe')).raw_status === 'idle');

    const res = await api(t.url, `/api/backups/${full.id}/restore`, { method: 'POST', json: { agent_id: 'forge' } });
    expect(res.body).toMatchObject({
      success: true,
      restored_files: 1,
      message: `Restored agent forge from backup ${full.id}`,
    });
    await waitFor(async () => (await agent('forge')).raw_status === 'operational', 5000);
    expect((await agent('scribe')).raw_status).toBe('idle');
    const safety = (await api(t.url, '/api/backups')).body.backups.find(
      (b: { id: string }) => b.id === res.body.safety_backup_id,
    );
    expect(safety).toMatchObject({ type: 'agent_state', agent_id: 'forge', trigger: 'pre_restore' });

    const single = (await create(t, { type: 'agent_state', agent_id: 'scribe' })).body;
    expect((await api(t.url, `/api/backups/${single.id}/restore`, { method: 'POST', json: {} })).status).toBe(422);
    expect(
      (await api(t.url, `/api/backups/${single.id}/restore`, { method: 'POST', json: { agent_id: 'forge' } })).status,
    ).toBe(422);
    expect(
      (await api(t.url, `/api/backups/${single.id}/restore`, { method: 'POST', json: { agent_id: 'scribe' } })).body
        .success,
    ).toBe(true);
  });

  it('refuses a corrupt backup and leaves the workspace untouched', async () => {
    const backup = (await create(t, { type: 'full' })).body;
    const file = join(t.dataDir, 'backups', `backup_${backup.id}.tar.gz`);
    const bytes = await readFile(file);
    bytes[bytes.length - 30] ^= 0x55;
    await writeFile(file, bytes);
    await writeFile(join(t.mc, 'agents', 'forge', 'state.json'), '{"agent": "forge", "status": "busy"}');
    const before = (await api(t.url, '/api/backups')).body.backups.length;

    const res = await api(t.url, `/api/backups/${backup.id}/restore`, { method: 'POST', json: {} });
    expect(res.status).toBe(422);
    expect(res.body.error).toContain('failed verification; nothing was restored');
    expect(res.body.errors).toContain('the archive does not match its recorded sha256');
    expect(await readFile(join(t.mc, 'agents', 'forge', 'state.json'), 'utf8')).toBe(
      '{"agent": "forge", "status": "busy"}',
    );
    expect((await api(t.url, '/api/backups')).body.backups.length).toBe(before);
  });

  it('refuses to restore a snapshot as files', async () => {
    const snapshot = (await create(t, { type: 'snapshot' })).body;
    const res = await api(t.url, `/api/backups/${snapshot.id}/restore`, { method: 'POST', json: {} });
    expect(res.status).toBe(422);
  });

  it('runs one operation at a time: a second gets 409 saying what runs', async () => {
    await mkdir(join(t.mc, 'logs'), { recursive: true });
    const big = Buffer.alloc(4 * 1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
    for (let i = 0; i < 8; i++) await writeFile(join(t.mc, 'logs', `run-${i}.log`), big);
    const [first, second] = await Promise.all([
      create(t, { type: 'full' }),
      new Promise((r) => setTimeout(r, 50)).then(() => create(t, { type: 'snapshot' })),
    ]);
    expect(first.status).toBe(201);
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({
      error: 'A backup is already running',
      running: { operation: 'backup', pid: process.pid },
    });
    await rm(join(t.mc, 'logs'), { recursive: true });
  });

  it('does not delete a backup while a restore reads it: 409, and the restore completes', async () => {
    await mkdir(join(t.mc, 'logs'), { recursive: true });
    const big = Buffer.alloc(4 * 1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
    for (let i = 0; i < 8; i++) await writeFile(join(t.mc, 'logs', `run-${i}.log`), big);
    const backup = (await create(t, { type: 'full' })).body;
    const restoring = api(t.url, `/api/backups/${backup.id}/restore`, { method: 'POST', json: {} });
    // The restore's safety backup is being written: the restore holds the backup it restores from.
    await waitFor(
      async () => (await readdir(join(t.dataDir, 'backups'))).some((n) => n.endsWith('.partial')),
      10_000,
      'the safety backup to start',
    );

    const deleted = await api(t.url, `/api/backups/${backup.id}`, { method: 'DELETE' });
    expect(deleted.status).toBe(409);
    expect(deleted.body).toMatchObject({
      error: 'A restore is already running',
      running: { operation: 'restore', backup_id: backup.id },
    });
    expect((await restoring).status).toBe(200);
    expect((await api(t.url, `/api/backups/${backup.id}`, { method: 'DELETE' })).status).toBe(200);
    await rm(join(t.mc, 'logs'), { recursive: true });
  });
});

describe('Import', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ env: { ...STALE, MC_IMPORT_MAX_MB: '2' } });
  });

  afterAll(async () => {
    await t.close();
    await removeDirs(t.workspace, t.dataDir);
  });

  const nothingKept = async () =>
    (await readdir(join(t.dataDir, 'backups'))).filter((n) => !n.startsWith('.operation'));

  it('takes a backup exported from another Mission Control, and lists it', async () => {
    const other = await startApp({ env: STALE });
    const made = (await create(other, { type: 'full' })).body;
    const content = Buffer.from(await (await fetch(`${other.url}/api/backups/${made.id}/download`)).arrayBuffer());
    await other.close();
    await removeDirs(other.workspace, other.dataDir);

    const { status, body } = await upload(t, content);
    expect(status).toBe(201);
    expect(body).toMatchObject({
      id: made.id,
      type: 'full',
      trigger: 'imported',
      status: 'verified',
      integrity_hash: made.integrity_hash,
      file_count: made.file_count,
    });
    expect((await api(t.url, `/api/backups/${body.id}/verify`, { method: 'POST' })).body.valid).toBe(true);
  });

  it.each([
    ['a ../ path', [{ name: 'mission-control/../../escape.txt', content: 'x' }], /climbs out/],
    ['an absolute path', [{ name: '/tmp/mc-absolute-escape.txt', content: 'x' }], /absolute path/],
    [
      'a symbolic link out',
      [{ name: 'mission-control/agents/evil', type: '2' as const, linkname: '/etc' }],
      /SymbolicLink entry/,
    ],
    [
      'a hard link out',
      [{ name: 'mission-control/agents/hard', type: '1' as const, linkname: '/etc/passwd' }],
      /Link entry/,
    ],
    ['a device', [{ name: 'mission-control/dev', type: '3' as const }], /CharacterDevice entry/],
    ['a file outside the backup folders', [{ name: 'elsewhere.txt', content: 'x' }], /outside the backup's folders/],
  ])('rejects an archive with %s, keeping nothing and writing nothing outside', async (_name, entries, reason) => {
    const before = await nothingKept();
    const res = await upload(
      t,
      craftedBackup([{ name: 'mission-control/agents/ok/state.json', content: '{}' }, ...entries]),
    );
    expect(res.status).toBe(422);
    expect(res.body.error).toMatch(reason);
    expect(await nothingKept()).toEqual(before);
    await expect(stat('/tmp/mc-absolute-escape.txt')).rejects.toThrow();
    await expect(stat(join(t.dataDir, '..', 'escape.txt'))).rejects.toThrow();
  });

  it.each([
    [
      'no manifest',
      gzipSyncTar([{ name: 'mission-control/agents/a/state.json', content: '{}' }]),
      /manifest.json is missing/,
    ],
    ['a wrong hash', craftedWithWrongHash(), /does not match its sha256/],
    ['plain text', Buffer.from('hello, I am not a backup'), /neither a tar.gz archive nor a JSON snapshot/],
    ['broken gzip', Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7]), /not a readable tar.gz/],
  ])('rejects %s with 422', async (_name, content, reason) => {
    const res = await upload(t, content as Buffer);
    expect(res.status).toBe(422);
    expect(res.body.error).toMatch(reason);
  });

  it('stops reading a gzip bomb early and rejects it', async () => {
    const dir = await makeTempDir('mc-bomb-');
    const bomb = join(dir, 'bomb.tar.gz');
    await gzipBomb(bomb, 512 * 1024 * 1024);
    expect((await stat(bomb)).size).toBeLessThan(2 * 1024 * 1024);
    const res = await upload(t, await readFile(bomb));
    expect(res.status).toBe(422);
    // node-tar's own ratio guard or ours, whichever trips first.
    expect(res.body.error).toMatch(/unpacks to more than|decompression ratio exceeded/);
    await removeDirs(dir);
  });

  it('refuses an upload over MC_IMPORT_MAX_MB with 413, and one without a file with 400', async () => {
    const res = await upload(t, Buffer.alloc(3 * 1024 * 1024, 1));
    expect(res.status).toBe(413);
    const none = await api(t.url, '/api/backups/import', { method: 'POST', body: new FormData() });
    expect(none.status).toBe(400);
    expect((await readdir(join(t.dataDir, 'backups'))).filter((n) => n.startsWith('.upload-'))).toEqual([]);
  });
});

describe('Backups of very compressible workspaces', () => {
  it('are made, checked against their own size and verified, not refused by the gzip-bomb guard meant for archives from elsewhere', async () => {
    const t = await startApp({ env: STALE });
    try {
      // 100 MB of one repeated byte: gzip packs it over a thousand to one, past 100 times the archive plus 64 MiB.
      const logs = join(t.mc, 'logs');
      await mkdir(logs, { recursive: true });
      const block = Buffer.alloc(256 * 1024, 'a');
      for (let i = 0; i < 400; i++) await writeFile(join(logs, `run-${i}.log`), block);
      const made = await api(t.url, '/api/backups', { method: 'POST', json: { type: 'full' } });
      expect(made.status).toBe(201);
      expect(made.body.size_bytes * 100 + 64 * 1024 * 1024).toBeLessThan(400 * block.length);
      const verified = await api(t.url, `/api/backups/${made.body.id}/verify`, { method: 'POST' });
      expect(verified.body).toMatchObject({ valid: true, errors: [] });
      expect(verified.body.checked_files).toBeGreaterThan(400);
    } finally {
      await t.close();
      await removeDirs(t.workspace, t.dataDir);
    }
  }, 60_000);
});

describe('Scheduled backups', () => {
  it('run on wall-clock slots: a 720-hour interval waits for its day at 00:00 UTC instead of firing at once', async () => {
    const t = await startApp({ env: { ...STALE, MC_BACKUP_INTERVAL: '720' } });
    try {
      const job = t.app.get(SchedulerRegistry).getCronJob('scheduled-backup');
      const next = job.nextDate().toJSDate();
      expect(next.getTime()).toBeGreaterThan(Date.now());
      expect(next.toISOString().slice(11)).toBe('00:00:00.000Z');
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect((await api(t.url, '/api/backups')).body.backups).toEqual([]);
    } finally {
      await t.close();
      await removeDirs(t.workspace, t.dataDir);
    }
  });
});

describe('Restores interrupted before their swap', () => {
  it('leave nothing behind after a restart: staging and old folders are removed, nothing else', async () => {
    const t = await startApp({ env: STALE });
    await t.close();
    const leftovers = [
      '.mc-restore-20260101_000000-deadbeef',
      '.mc-restore-20260101_000000_2-0badf00d',
      '.mc-old-20260101_000000-cafebabe',
    ];
    const kept = ['.mc-restore-mine', 'mc-restore-20260101_000000-deadbeef'];
    for (const name of [...leftovers, ...kept]) {
      await mkdir(join(t.workspace, name, 'mission-control', 'agents', 'x'), { recursive: true });
      await writeFile(join(t.workspace, name, 'mission-control', 'agents', 'x', 'state.json'), '{}');
    }
    const again = await startApp({ workspace: t.workspace, dataDir: t.dataDir, env: STALE });
    try {
      const names = await readdir(t.workspace);
      expect(names.filter((n) => leftovers.includes(n))).toEqual([]);
      expect(kept.every((n) => names.includes(n))).toBe(true);
      expect(names).toContain('mission-control');
      const listed = (await api(again.url, '/api/files/browse?path=')).body.items.map((i: { name: string }) => i.name);
      expect(listed.filter((n: string) => leftovers.includes(n))).toEqual([]);
    } finally {
      await again.close();
      await removeDirs(t.workspace, t.dataDir);
    }
  });
});

describe('Backups and the backup folder across restarts', () => {
  it('reconciles: a file deleted by hand disappears, an archive copied in appears, partial files go', async () => {
    const t = await startApp({ env: STALE });
    const kept = (await create(t, { type: 'full' })).body;
    const dropped = (await create(t, { type: 'snapshot' })).body;
    await t.close();
    const dir = join(t.dataDir, 'backups');
    const copyName = `backup_20250101_000000.tar.gz`;
    await writeFile(join(dir, copyName), await readFile(join(dir, `backup_${kept.id}.tar.gz`)));
    await rm(join(dir, `snapshot_${dropped.id}.json`));
    await writeFile(join(dir, '.backup_20250101_000001.tar.gz.partial'), 'half');
    await writeFile(join(dir, 'backup_20250101_000002.tar.gz'), 'not an archive');

    const again = await startApp({ workspace: t.workspace, dataDir: t.dataDir, env: STALE });
    try {
      const ids = await waitFor(async () => {
        const list = (await api(again.url, '/api/backups')).body.backups.map((b: { id: string }) => b.id);
        return list.includes('20250101_000000') && list;
      });
      expect(ids).not.toContain(dropped.id);
      expect(ids).not.toContain('20250101_000002');
      expect(ids).toContain(kept.id);
      expect((await readdir(dir)).some((n) => n.endsWith('.partial'))).toBe(false);
    } finally {
      await again.close();
      await removeDirs(t.workspace, t.dataDir);
    }
  });
});

function gzipSyncTar(entries: Parameters<typeof rawTar>[0]): Buffer {
  return gzipSync(rawTar(entries));
}

function craftedWithWrongHash(): Buffer {
  const manifest = {
    format: 1,
    id: '20260101_000000',
    type: 'full',
    agent_id: null,
    created_at: '2026-01-01T00:00:00Z',
    files: [{ path: 'mission-control/a.txt', size: 1, sha256: '0'.repeat(64) }],
  };
  return gzipSyncTar([
    { name: 'mission-control/a.txt', content: 'x' },
    { name: 'manifest.json', content: JSON.stringify(manifest) },
  ]);
}
