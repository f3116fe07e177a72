import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { api, FIXTURE_WORKSPACE, makeTempDir, removeDirs } from './support/app-harness';
import { ROOT, ServiceProcess, spawnService } from './support/service-process';

const run = promisify(execFile);

/** `.env` (issue 31, item 9): the service and the command line read it from their working directory, or MC_ENV_FILE. */
describe('.env', () => {
  jest.setTimeout(90_000);
  const dirs: string[] = [];

  // The command line's tests run the compiled bin, built first when stale, as `npm run cli` does.
  beforeAll(() => run(process.execPath, ['src/build/build-if-stale.js'], { cwd: ROOT }), 300_000);

  const processes: ServiceProcess[] = [];

  afterEach(() => {
    // A start that should have failed and did not is stopped here, not left running.
    for (const p of processes.splice(0))
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  });

  afterAll(() => removeDirs(...dirs));

  function start(entry: string, args: string[], env: Record<string, string>, cwd: string): ServiceProcess {
    const p = spawnService(entry, args, env, { cwd });
    processes.push(p);
    return p;
  }

  async function folder(): Promise<string> {
    const dir = await makeTempDir('mc-env-');
    dirs.push(dir);
    return dir;
  }

  it('the service reads .env in its working directory, and the environment wins over it', async () => {
    const dir = await folder();
    await writeFile(
      join(dir, '.env'),
      [
        '# Mission Control on this machine',
        `MC_WORKSPACE=${FIXTURE_WORKSPACE}`,
        'MC_DATA_DIR=./data',
        'MC_INSTANCE_ID=from-file',
        'MC_STALE_MINUTES=26280000',
        '',
      ].join('\n'),
    );
    const service = start('src/main.ts', [], { MC_INSTANCE_ID: 'from-env' }, dir);
    try {
      const url = await service.url();
      expect((await api(url, '/api/agents')).body.agents).toHaveLength(6);
      expect((await api(url, '/api/health')).body.instance.id).toBe('from-env');
      expect(service.output()).toContain(
        `Read ${join(dir, '.env')}: MC_WORKSPACE, MC_DATA_DIR, MC_STALE_MINUTES set; the environment's own MC_INSTANCE_ID kept`,
      );
      expect((await api(url, '/api/health')).body.status).not.toBe('unhealthy');
    } finally {
      await service.stop();
    }
    // MC_DATA_DIR=./data is the working directory's.
    await expect(run('test', ['-f', join(dir, 'data', 'status.json')])).resolves.toBeDefined();
  });

  it('a bad value in the file stops the start, naming the variable and the file; so does a missing MC_ENV_FILE', async () => {
    const dir = await folder();
    await writeFile(join(dir, '.env'), 'MC_API_PORT=eighty\n');
    // The environment's own MC_API_PORT (0, from spawnService) wins: the file's bad one is not used.
    const kept = start('src/main.ts', [], { MC_WORKSPACE: FIXTURE_WORKSPACE, MC_DATA_DIR: join(dir, 'data') }, dir);
    await kept.url().finally(() => kept.stop());

    await writeFile(join(dir, 'bad.env'), 'MC_METRICS_INTERVAL=7\nMC_API_PRT=80\n');
    const bad = start('src/main.ts', [], { MC_ENV_FILE: 'bad.env' }, dir);
    expect((await bad.exited).code).toBe(1);
    expect(bad.output()).toContain(`Mission Control could not start: Invalid configuration`);
    expect(bad.output()).toContain(`(got "7" in ${join(dir, 'bad.env')})`);

    const missing = start('src/main.ts', [], { MC_ENV_FILE: join(dir, 'nowhere.env') }, dir);
    expect((await missing.exited).code).toBe(1);
    expect(missing.output()).toContain(
      `Mission Control could not start: MC_ENV_FILE (${join(dir, 'nowhere.env')}) cannot be read: ENOENT`,
    );
  });

  it('warns of MC_ names in the file that are no setting', async () => {
    const dir = await folder();
    await writeFile(join(dir, '.env'), `MC_WORKSPACE=${FIXTURE_WORKSPACE}\nMC_DATA_DIR=./data\nMC_API_PRT=80\n`);
    const service = start('src/main.ts', [], {}, dir);
    await service.url().finally(() => service.stop());
    expect(service.output()).toContain(`${join(dir, '.env')} sets MC_API_PRT, which Mission Control does not read`);
  });

  it('the command line reads it too, the environment winning', async () => {
    const dir = await folder();
    await writeFile(
      join(dir, 'cli.env'),
      `MC_WORKSPACE=${FIXTURE_WORKSPACE}\nMC_DATA_DIR=${join(dir, 'data')}\nMC_BACKUP_DIR=${join(dir, 'from-file')}\n`,
    );
    const env = { MC_ENV_FILE: 'cli.env', MC_BACKUP_DIR: join(dir, 'from-env') };
    const backup = start('dist/cli/cli.js', ['backup'], env, dir);
    expect((await backup.exited).code).toBe(0);
    expect(backup.stdout()).toMatch(/made and verified: backup_\S+\.tar\.gz, .*, 10 files/);
    await expect(run('ls', [join(dir, 'from-env')])).resolves.toMatchObject({
      stdout: expect.stringMatching(/^backup_\S+\.tar\.gz$/m),
    });
    await expect(run('ls', [join(dir, 'from-file')])).rejects.toThrow();

    const missing = start('dist/cli/cli.js', ['list'], { MC_ENV_FILE: 'nowhere.env' }, dir);
    expect((await missing.exited).code).toBe(1);
    expect(missing.stderr()).toContain(`Failed: MC_ENV_FILE (${join(dir, 'nowhere.env')}) cannot be read: ENOENT`);
  });
});
