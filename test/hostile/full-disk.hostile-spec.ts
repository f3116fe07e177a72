import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cp, mkdir, open, readdir, readFile, rm, stat, statfs, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { api, FIXTURE_WORKSPACE, makeTempDir, removeDirs, waitFor } from '../support/app-harness';
import { ServiceProcess, spawnService } from '../support/service-process';

/**
 * Issue 12, defect 5: a full disk is a state the service reports, not a crash. The data and backup
 * folders live on a 30 MB tmpfs mounted for this file, which needs root; where it cannot be mounted
 * the file is skipped and says why.
 */
const DISK_MB = 30;
const MiB = 1024 * 1024;

function mountSmallDisk(): { dir: string } | { skip: string } {
  if (process.getuid?.() !== 0) return { skip: 'not root: a tmpfs cannot be mounted' };
  const dir = mkdtempSync(join(tmpdir(), 'mc-full-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${DISK_MB}m`, 'tmpfs', dir], { stdio: 'pipe' });
    return { dir };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    return { skip: `mount -t tmpfs failed: ${String((error as { stderr?: Buffer }).stderr ?? error).trim()}` };
  }
}

const disk = mountSmallDisk();
if ('skip' in disk) console.log(`full-disk.hostile-spec skipped: ${disk.skip}`);
const describeOnDisk = 'dir' in disk ? describe : describe.skip;

async function freeBytes(dir: string): Promise<number> {
  const stats = await statfs(dir);
  return stats.bavail * stats.bsize;
}

/** Fills the disk of `dir` with one file until `leave` bytes are free (or the disk refuses more). */
async function fill(file: string, leave: number): Promise<void> {
  const handle = await open(file, 'a');
  try {
    const chunk = Buffer.alloc(64 * 1024, 1);
    for (let room = (await freeBytes(dirname(file))) - leave; room > 0; room -= chunk.length) {
      await handle.write(chunk, 0, Math.min(room, chunk.length));
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    await handle.close();
  }
}

/** Every event id the log holds, following the cursor. */
async function storedIds(url: string, query = ''): Promise<Set<number>> {
  const ids = new Set<number>();
  for (let cursor = ''; ;) {
    const { status, body } = await api(
      url,
      `/api/system/events?limit=1000${query}${cursor ? `&cursor=${cursor}` : ''}`,
    );
    expect(status).toBe(200);
    for (const event of body.events) ids.add(event.id);
    if (!body.next_cursor) return ids;
    cursor = body.next_cursor;
  }
}

/** A batch of 100 events of about 1 KB each, all of one type so the batch can be looked for. */
const batch = (n: number) => ({
  events: Array.from({ length: 100 }, (_, i) => ({
    event_type: `fill_${n}`,
    agent_id: 'forge',
    data: { i, pad: 'x'.repeat(1000) },
  })),
});

const leftovers = async (dir: string) =>
  (await readdir(dir)).filter(
    (name) => name.endsWith('.tmp') || name.includes('.partial') || name.startsWith('.upload-'),
  );

describeOnDisk('A full disk (issue 12, defect 5)', () => {
  const mount = 'dir' in disk ? disk.dir : '';
  const dataDir = join(mount, 'data');
  const backupDir = join(mount, 'backups');
  const filler = join(mount, 'filler');
  let workspace: string;
  let service: ServiceProcess | undefined;
  let url: string;
  const acknowledged = new Set<number>();
  let agentBackup: string;

  const start = async () => {
    service = spawnService('src/main.ts', [], {
      MC_WORKSPACE: workspace,
      MC_DATA_DIR: dataDir,
      MC_BACKUP_DIR: backupDir,
      MC_OPENCLAW: 'off',
    });
    url = await service.url();
  };

  beforeAll(async () => {
    workspace = await makeTempDir('mc-full-disk-ws-');
    await cp(FIXTURE_WORKSPACE, workspace, { recursive: true });
    await mkdir(dataDir);
    await start();
  });

  afterAll(async () => {
    if (service?.child.exitCode === null) await service.stop();
    execFileSync('umount', [mount]);
    await removeDirs(mount, workspace);
  });

  it('answers 507 naming the full folder for writes that do not fit, and loses nothing it acknowledged', async () => {
    for (let n = 0; n < 3; n++) {
      const { status, body } = await api(url, '/api/events/batch', { method: 'POST', json: batch(n) });
      expect(status).toBe(201);
      body.ids.forEach((id: number) => acknowledged.add(id));
    }
    const backup = await api(url, '/api/backups', { method: 'POST', json: { type: 'agent_state', agent_id: 'forge' } });
    expect(backup.status).toBe(201);
    agentBackup = backup.body.id;
    await fill(filler, 256 * 1024);

    let refused: { status: number; body: any } | undefined;
    let n = 3;
    for (; n < 200 && !refused; n++) {
      const answer = await api(url, '/api/events/batch', { method: 'POST', json: batch(n) });
      if (answer.status === 201) answer.body.ids.forEach((id: number) => acknowledged.add(id));
      else refused = answer;
    }
    expect(refused).toMatchObject({
      status: 507,
      body: {
        error: expect.stringMatching(/^Not enough disk space/),
        status_code: 507,
        full_path: dataDir,
        variable: 'MC_DATA_DIR',
        free_bytes: expect.any(Number),
        path: '/api/events/batch',
      },
    });
    // Nothing of the refused batch was kept; everything acknowledged was.
    expect((await storedIds(url, `&type=fill_${n - 1}`)).size).toBe(0);
    const stored = await storedIds(url);
    expect([...acknowledged].filter((id) => !stored.has(id))).toEqual([]);

    // The refused batch, sent again once there is room, is stored.
    await rm(filler);
    const retried = await waitFor(
      async () => {
        const answer = await api(url, '/api/events/batch', { method: 'POST', json: batch(n - 1) });
        return answer.status === 201 && answer;
      },
      10_000,
      'the refused batch to be accepted again',
    );
    retried.body.ids.forEach((id: number) => acknowledged.add(id));
    expect((await storedIds(url, `&type=fill_${n - 1}`)).size).toBe(100);
  });

  it('while full: health is degraded with the free space, reads go on, backups, uploads and restores get 507 and leave nothing', async () => {
    await fill(filler, 0);
    const collect = await api(url, '/api/system/metrics/collect', { method: 'POST' });
    expect(collect).toMatchObject({ status: 507, body: { full_path: dataDir, variable: 'MC_DATA_DIR' } });
    const refused = await api(url, '/api/events/batch', { method: 'POST', json: batch(1000) });
    expect(refused.status).toBe(507);

    const health = await api(url, '/api/health');
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('degraded');
    expect(health.body.services.disk).toMatchObject({
      status: 'down',
      message: expect.stringMatching(/disk space|nearly full/),
      folders: {
        MC_DATA_DIR: { path: dataDir, free_bytes: expect.any(Number), total_bytes: DISK_MB * MiB },
        MC_BACKUP_DIR: { path: backupDir },
      },
    });
    expect(health.body.services.disk.folders.MC_DATA_DIR.free_bytes).toBeLessThan(MiB);

    for (const path of [
      '/api/agents',
      '/api/system/events?limit=5',
      '/api/system/status',
      '/api/backups',
      '/api/tasks',
      '/api/health',
    ]) {
      expect({ path, status: (await api(url, path)).status }).toEqual({ path, status: 200 });
    }

    const listed = (await api(url, '/api/backups')).body.backups.length;
    const backup = await api(url, '/api/backups', { method: 'POST', json: { type: 'full' } });
    expect(backup).toMatchObject({
      status: 507,
      body: { error: expect.stringMatching(/^Not enough disk space/), full_path: backupDir, variable: 'MC_BACKUP_DIR' },
    });
    const state = await readFile(join(workspace, 'mission-control', 'agents', 'forge', 'state.json'), 'utf8');
    const restore = await api(url, `/api/backups/${agentBackup}/restore`, {
      method: 'POST',
      json: { agent_id: 'forge' },
    });
    expect(restore).toMatchObject({
      status: 507,
      body: { error: expect.stringMatching(/^Not enough disk space/), variable: 'MC_BACKUP_DIR' },
    });
    expect(await readFile(join(workspace, 'mission-control', 'agents', 'forge', 'state.json'), 'utf8')).toBe(state);
    expect((await readdir(workspace)).filter((name) => name.startsWith('.mc-'))).toEqual([]);

    // An upload with room for a quarter of it: the part written is not kept.
    await truncate(filler, (await stat(filler)).size - MiB);
    const form = new FormData();
    form.append('file', new Blob([Buffer.alloc(4 * MiB, 7)]), 'backup.tar.gz');
    const upload = await api(url, '/api/backups/import', { method: 'POST', body: form });
    expect(upload).toMatchObject({
      status: 507,
      body: { error: expect.stringMatching(/^Not enough disk space/), status_code: 507 },
    });

    expect((await api(url, '/api/backups')).body.backups.length).toBe(listed);
    expect(await leftovers(backupDir)).toEqual([]);
    expect((await readdir(backupDir)).sort()).toEqual([`agent_forge_${agentBackup}.tar.gz`]);
  });

  it('recovers by itself once space is freed', async () => {
    await rm(filler);
    await waitFor(
      async () => (await api(url, '/api/health')).body.services.disk.status === 'up',
      10_000,
      'the disk to be up again',
    );
    // The collection refused above stays reported (services.metrics) until the next one, which the
    // schedule runs within MC_METRICS_INTERVAL; this service's is an hour, so the test asks for it.
    expect((await api(url, '/api/health')).body.services.metrics).toMatchObject({
      status: 'down',
      message: expect.stringMatching(/disk space/i),
    });
    expect((await api(url, '/api/system/metrics/collect', { method: 'POST' })).status).toBe(200);
    await waitFor(
      async () => (await api(url, '/api/health')).body.status === 'healthy',
      10_000,
      'health to be healthy again',
    );
    const accepted = await api(url, '/api/events/batch', { method: 'POST', json: batch(2000) });
    expect(accepted.status).toBe(201);
    accepted.body.ids.forEach((id: number) => acknowledged.add(id));
    const backup = await api(url, '/api/backups', { method: 'POST', json: { type: 'full' } });
    expect(backup.status).toBe(201);
    expect((await api(url, '/api/backups')).body.backups.map((b: { id: string }) => b.id)).toContain(backup.body.id);
  });

  it('starts again on a nearly full disk, says why, keeps what it acknowledged and leaves no temporary file', async () => {
    expect(await service!.stop()).toEqual({ code: 0, signal: null });
    expect(JSON.parse(await readFile(join(dataDir, 'status.json'), 'utf8')).state).toBe('stopped');
    await fill(filler, 128 * 1024);

    await start();
    const health = (await api(url, '/api/health')).body;
    expect(health.status).toBe('degraded');
    expect(health.services.disk).toMatchObject({
      status: 'down',
      message: expect.stringMatching(/disk space|nearly full/),
    });
    expect(health.services.database.status).toBe('up');
    expect(service!.output()).toMatch(/disk space in .*\(MC_DATA_DIR\)/i);
    const stored = await storedIds(url);
    expect([...acknowledged].filter((id) => !stored.has(id))).toEqual([]);

    expect(await service!.stop()).toEqual({ code: 0, signal: null });
    expect(await leftovers(dataDir)).toEqual([]);
    expect(await leftovers(backupDir)).toEqual([]);
  });

  it('starts read-only when there is no room even to open the database, and writes again once restarted with room', async () => {
    await fill(filler, 0);
    await start();
    const health = (await api(url, '/api/health')).body;
    expect(health).toMatchObject({
      status: 'degraded',
      services: {
        database: { status: 'up' },
        disk: { status: 'down', message: expect.stringMatching(/started read-only/) },
      },
    });
    expect(service!.output()).toMatch(
      /not enough disk space in .* \(MC_DATA_DIR\) to open the database for writing .*started read-only/i,
    );
    const stored = await storedIds(url);
    expect([...acknowledged].filter((id) => !stored.has(id))).toEqual([]);
    const refused = await api(url, '/api/events', { method: 'POST', json: { event_type: 'after_restart' } });
    expect(refused).toMatchObject({
      status: 507,
      body: {
        error: expect.stringMatching(/^Not enough disk space.*restart/),
        full_path: dataDir,
        variable: 'MC_DATA_DIR',
        free_bytes: 0,
      },
    });
    // status.json and the service lock could not be written: neither left a temporary file.
    expect(await leftovers(dataDir)).toEqual([]);

    await rm(filler);
    expect(await service!.stop()).toEqual({ code: 0, signal: null });
    await start();
    expect((await api(url, '/api/health')).body.status).toBe('healthy');
    expect((await api(url, '/api/events', { method: 'POST', json: { event_type: 'after_restart' } })).status).toBe(201);
    expect(await service!.stop()).toEqual({ code: 0, signal: null });
    expect(await leftovers(dataDir)).toEqual([]);
  });
});
