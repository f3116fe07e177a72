import { ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { databaseEnv } from './test-database';

export const ROOT = join(__dirname, '..', '..');

export interface ServiceProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Both streams, in arrival order. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The REST API's address once the service says it listens. */
  url(timeoutMs?: number): Promise<string>;
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs a Mission Control entry point in a child process, as a user would: a source file through
 * ts-node (`src/main.ts`) or a built one (`dist/main.js`, `dist/cli/cli.js`). MC_* variables of this
 * process are not passed on; ports default to 0 on 127.0.0.1. Under `npm run test:pg`, the data
 * folder's PostgreSQL database. It runs in the project's folder unless `options.cwd` names another (where
 * it looks for `.env`).
 */
export function spawnService(
  entry: string,
  args: string[] = [],
  env: Record<string, string> = {},
  options: { cwd?: string } = {},
): ServiceProcess {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('MC_')));
  // Absolute, so that the entry, ts-node and its tsconfig are found from any working directory.
  const runner = entry.endsWith('.ts') ? ['-r', require.resolve('ts-node/register/transpile-only')] : [];
  const tsNode = entry.endsWith('.ts') ? { TS_NODE_PROJECT: join(ROOT, 'tsconfig.json') } : {};
  const child = spawn(process.execPath, [...runner, resolve(ROOT, entry), ...args], {
    cwd: options.cwd ?? ROOT,
    env: {
      ...clean,
      ...tsNode,
      NO_COLOR: '1',
      MC_HOST: '127.0.0.1',
      MC_API_PORT: '0',
      MC_WS_PORT: '0',
      ...databaseEnv(env.MC_DATA_DIR),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let output = '';
  child.stdout?.on('data', (chunk) => ((stdout += chunk), (output += chunk)));
  child.stderr?.on('data', (chunk) => ((stderr += chunk), (output += chunk)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    output: () => output,
    exited,
    url: async (timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = output.match(/REST API on (http:\/\/[^\s,]+)/);
        if (match) return match[1];
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the service did not start:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
