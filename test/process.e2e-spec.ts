import { readFile } from 'node:fs/promises';
import { AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { api, FIXTURE_WORKSPACE, makeTempDir, removeDirs } from './support/app-harness';
import { ROOT, spawnService } from './support/service-process';

describe('The service process', () => {
  jest.setTimeout(60_000);
  const dirs: string[] = [];

  afterAll(() => removeDirs(...dirs));

  it('refuses to start on bad configuration, naming each variable and what it must be', async () => {
    const run = spawnService('src/main.ts', [], { MC_API_PORT: 'eighty', MC_METRICS_INTERVAL: '0' });
    const { code } = await run.exited;
    expect(code).toBe(1);
    expect(run.output()).toContain('Mission Control could not start: Invalid configuration');
    expect(run.output()).toContain('MC_API_PORT must be a whole number from 0 to 65535 (got "eighty")');
    expect(run.output()).toContain('MC_METRICS_INTERVAL must be a whole number of seconds, at least 1 (got "0")');
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'shuts down on %s: closes everything, writes status.json, exits 0 within 10 s',
    async (signal) => {
      const dataDir = await makeTempDir('mc-proc-');
      dirs.push(dataDir);
      const run = spawnService('src/main.ts', [], { MC_WORKSPACE: FIXTURE_WORKSPACE, MC_DATA_DIR: dataDir });
      const url = await run.url();
      expect((await api(url, '/api/agents')).body.agents).toHaveLength(6);
      expect(JSON.parse(await readFile(join(dataDir, 'status.json'), 'utf8')).state).toBe('running');

      const sent = Date.now();
      run.child.kill(signal);
      const { code } = await run.exited;
      expect(code).toBe(0);
      expect(Date.now() - sent).toBeLessThan(10_000);
      expect(run.output()).toContain(`${signal} received, shutting down`);
      expect(run.output()).toContain('Stopped');
      const status = JSON.parse(await readFile(join(dataDir, 'status.json'), 'utf8'));
      expect(status).toMatchObject({ state: 'stopped', counts: { agents: 6 } });
      await expect(fetch(`${url}/api/health`)).rejects.toThrow();
    },
  );

  it('MC_LOG_FORMAT=json: every line is one JSON object with time, level, context, instance and message; lines written for a request carry its id', async () => {
    const dataDir = await makeTempDir('mc-proc-');
    const backupDir = await makeTempDir('mc-proc-backups-');
    dirs.push(dataDir, backupDir);
    const run = spawnService('src/main.ts', [], {
      MC_WORKSPACE: FIXTURE_WORKSPACE,
      MC_DATA_DIR: dataDir,
      MC_BACKUP_DIR: backupDir,
      MC_LOG_FORMAT: 'json',
      MC_INSTANCE_ID: 'mc-east-1',
    });
    try {
      const url = await run.url();
      const health = await fetch(`${url}/api/health`);
      expect((await health.json()).instance).toEqual({ id: 'mc-east-1', role: 'leader' });
      expect(health.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      const backup = await fetch(`${url}/api/backups`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'req-42' },
        body: '{"type":"full"}',
      });
      expect(backup.status).toBe(201);
      expect(backup.headers.get('x-request-id')).toBe('req-42');
    } finally {
      await run.stop();
    }

    const lines = run.stdout().trim().split('\n');
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const entry of entries) {
      expect(entry).toEqual(
        expect.objectContaining({ level: expect.any(String), instance: 'mc-east-1', message: expect.any(String) }),
      );
      expect(new Date(entry.time as string).toISOString()).toBe(entry.time);
    }
    expect(entries).toContainEqual(
      expect.objectContaining({
        context: 'MissionControl',
        message: expect.stringContaining('Instance mc-east-1: REST API on'),
      }),
    );
    expect(entries).toContainEqual(
      expect.objectContaining({
        context: 'BackupsService',
        request_id: 'req-42',
        message: expect.stringMatching(/^Backup \S+ \(full\) done/),
      }),
    );
    expect(entries.filter((e) => e.request_id === undefined && e.context === 'BackupsService')).toEqual([]);
  });

  it('text logs by default name the instance at start; a bad MC_LOG_FORMAT or MC_INSTANCE_ID stops the start', async () => {
    const dataDir = await makeTempDir('mc-proc-');
    dirs.push(dataDir);
    const run = spawnService('src/main.ts', [], { MC_WORKSPACE: FIXTURE_WORKSPACE, MC_DATA_DIR: dataDir });
    await run.url().finally(() => run.stop());
    expect(run.stdout()).toMatch(/\[MissionControl\] Instance \S+-\d+: REST API on/);
    expect(run.stdout()).not.toMatch(/^\{/m);

    const bad = spawnService('src/main.ts', [], { MC_LOG_FORMAT: 'xml', MC_INSTANCE_ID: 'two words' });
    expect((await bad.exited).code).toBe(1);
    expect(bad.output()).toContain('MC_LOG_FORMAT must be text or json (got "xml")');
    expect(bad.output()).toContain('MC_INSTANCE_ID must be 1 to 128 letters');
  });
});

/** Issue 31, items 7 and 8: what a start says, a start that fails, and the stop's line. */
describe('Starting and stopping, as a new user sees it', () => {
  jest.setTimeout(90_000);
  const dirs: string[] = [];

  afterAll(() => removeDirs(...dirs));

  async function dataFolder(): Promise<string> {
    const dir = await makeTempDir('mc-start-');
    dirs.push(dir);
    return dir;
  }

  /** A port some other process listens on, and its release. */
  async function takenPort(): Promise<{ port: number; release: () => Promise<void> }> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      port: (server.address() as AddressInfo).port,
      release: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }

  const readStatus = async (dataDir: string) => JSON.parse(await readFile(join(dataDir, 'status.json'), 'utf8'));

  it('says in at most 15 lines its version, what it found, what it did not with the next step, and every address', async () => {
    const dataDir = await dataFolder();
    const home = join(dataDir, 'no-openclaw-here');
    const run = spawnService('src/main.ts', [], {
      MC_WORKSPACE: FIXTURE_WORKSPACE,
      MC_DATA_DIR: dataDir,
      MC_OPENCLAW_HOME: home,
    });
    const url = await run.url().finally(() => run.stop());
    const lines = run.output().split('\n');
    const startUp = lines.slice(0, lines.findIndex((line) => line.includes('REST API on')) + 1);
    expect(startUp.length).toBeLessThanOrEqual(15);
    const said = startUp.join('\n');
    const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
    // Under npm run test:pg every data folder gets a database of its own.
    const store = process.env.TEST_POSTGRES_URL ? 'PostgreSQL postgres://' : `SQLite ${dataDir}`;
    expect(said).toContain(`Mission Control ${version} (Node ${process.versions.node}), data in ${store}`);
    expect(said).toContain(`Workspace ${join(FIXTURE_WORKSPACE, 'mission-control')}: 6 agents, 3 tasks`);
    expect(said).toContain(`OpenClaw home ${home} not found: set MC_OPENCLAW_HOME to OpenClaw's state folder`);
    expect(said).toContain('Gateways: none (openclaw.json names no local gateway; MC_OPENCLAW_GATEWAYS lists others)');
    expect(said).toContain(`Dashboard on ${url}/`);
    expect(said).toContain(`REST API on ${url}, documentation at ${url}/docs`);
    expect(said).toMatch(/WebSocket gateway on ws:\/\/127\.0\.0\.1:\d+/);
    // Nest's own listing waits for MC_LOG_LEVEL=debug.
    expect(said).not.toMatch(/InstanceLoader|RoutesResolver|Mapped \{/);

    const debug = spawnService('src/main.ts', [], {
      MC_WORKSPACE: join(dataDir, 'nowhere'),
      MC_DATA_DIR: join(dataDir, 'debug'),
      MC_OPENCLAW: 'off',
      MC_OPENCLAW_GATEWAYS: 'off',
      MC_LOG_LEVEL: 'debug',
    });
    await debug.url().finally(() => debug.stop());
    expect(debug.output()).toMatch(/\[RouterExplorer\] Mapped \{\/api\/agents, GET\} route/);
    expect(debug.output()).toContain(
      `Workspace ${join(dataDir, 'nowhere', 'mission-control')} not found: set MC_WORKSPACE to the OpenClaw workspace`,
    );
    expect(debug.output()).toContain(`not read (MC_OPENCLAW=off)`);
    expect(debug.output()).toContain('Gateways off (MC_OPENCLAW_GATEWAYS=off)');
  });

  it.each([
    ['MC_API_PORT', /listen EADDRINUSE: address already in use 127\.0\.0\.1:\d+ \(MC_API_PORT: stop what listens/],
    ['MC_WS_PORT', /the WebSocket gateway could not listen on 127\.0\.0\.1:\d+ \(MC_WS_PORT/],
  ])('a taken %s stops the start: exit 1, the reason said, status.json failed with it', async (variable, reason) => {
    const dataDir = await dataFolder();
    const taken = await takenPort();
    try {
      const run = spawnService('src/main.ts', [], {
        MC_WORKSPACE: FIXTURE_WORKSPACE,
        MC_DATA_DIR: dataDir,
        [variable]: String(taken.port),
      });
      expect((await run.exited).code).toBe(1);
      expect(run.stderr()).toMatch(new RegExp(`Mission Control could not start: ${reason.source}`));
      const status = await readStatus(dataDir);
      expect(status).toMatchObject({ state: 'failed', reason: expect.stringMatching(reason), pid: run.child.pid });
      // The data folder is free for the next start.
      await expect(readFile(join(dataDir, 'service.lock'))).rejects.toThrow(/ENOENT/);
    } finally {
      await taken.release();
    }
  });

  it('the stop line says how it stopped and since when it ran; status.json says how too', async () => {
    const dataDir = await dataFolder();
    const run = spawnService('src/main.ts', [], { MC_WORKSPACE: FIXTURE_WORKSPACE, MC_DATA_DIR: dataDir });
    await run.url();
    const { started_at: startedAt } = await readStatus(dataDir);
    run.child.kill('SIGINT');
    expect((await run.exited).code).toBe(0);
    expect(run.stdout()).toMatch(
      new RegExp(
        `\\[Status\\] stopped by SIGINT after \\d+ s, running since ${startedAt.replace(/\./g, '\\.')}: 6 agents`,
      ),
    );
    expect(await readStatus(dataDir)).toMatchObject({ state: 'stopped', reason: 'SIGINT', started_at: startedAt });
  });
});
