import { ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { api, FIXTURE_WORKSPACE, makeTempDir, removeDirs } from './support/app-harness';

const ROOT = join(__dirname, '..');

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the service as `nest start` would run it, in a child process of its own. */
function runService(env: Record<string, string>): Run {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('MC_')));
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...clean, NO_COLOR: '1', MC_HOST: '127.0.0.1', MC_API_PORT: '0', MC_WS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}

async function urlOf(run: Run): Promise<string> {
  const deadline = Date.now() + 25_000;
  while (Date.now() < deadline) {
    const match = run.output().match(/REST API on (http:\/\/[^\s,]+)/);
    if (match) return match[1];
    if (run.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`service did not start:\n${run.output()}`);
}

describe('The service process', () => {
  jest.setTimeout(60_000);
  const dirs: string[] = [];

  afterAll(() => removeDirs(...dirs));

  it('refuses to start on bad configuration, naming each variable and what it must be', async () => {
    const run = runService({ MC_API_PORT: 'eighty', MC_METRICS_INTERVAL: '0' });
    const { code } = await run.exited;
    expect(code).toBe(1);
    expect(run.output()).toContain('Mission Control could not start: Invalid configuration');
    expect(run.output()).toContain('MC_API_PORT must be a whole number from 0 to 65535 (got "eighty")');
    expect(run.output()).toContain('MC_METRICS_INTERVAL must be a whole number of seconds, at least 1 (got "0")');
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('shuts down on %s: closes everything, writes status.json, exits 0 within 10 s', async (signal) => {
    const dataDir = await makeTempDir('mc-proc-');
    dirs.push(dataDir);
    const run = runService({ MC_WORKSPACE: FIXTURE_WORKSPACE, MC_DATA_DIR: dataDir });
    const url = await urlOf(run);
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
