import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { api, FIXTURE_WORKSPACE, makeTempDir, removeDirs } from './support/app-harness';
import { spawnService } from './support/service-process';

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

  it.each(['SIGTERM', 'SIGINT'] as const)('shuts down on %s: closes everything, writes status.json, exits 0 within 10 s', async (signal) => {
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
  });
});
