import { NestExpressApplication } from '@nestjs/platform-express';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { createServer, AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, listen } from '../../src/app.factory';
import { RealtimeGateway } from '../../src/realtime/realtime.gateway';
import { databaseEnv } from './test-database';

export const FIXTURE_WORKSPACE = join(__dirname, '..', 'fixtures', 'workspace');

export interface TestApp {
  app: NestExpressApplication;
  /** http://127.0.0.1:<port> */
  url: string;
  /** ws://127.0.0.1:<port> of the WebSocket gateway. */
  wsUrl: string;
  /** The temporary MC_WORKSPACE. */
  workspace: string;
  /** `<workspace>/mission-control`. */
  mc: string;
  dataDir: string;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Extra MC_* variables. */
  env?: Record<string, string>;
  /** Copy the fixture workspace in (default), or start with none. */
  fixture?: boolean;
  /** Reuse folders of an earlier app (restart tests). */
  workspace?: string;
  dataDir?: string;
  /** A fixed REST port (restart tests, where a page must find the service again); 0 by default. */
  port?: number;
}

/** A port free right now, for a service that must come back on the same one. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function makeTempDir(prefix = 'mc-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/**
 * Boots the real application on temporary folders and a temporary SQLite file (a temporary PostgreSQL
 * database under `npm run test:pg`), on 127.0.0.1:0.
 */
export async function startApp(options: StartOptions = {}): Promise<TestApp> {
  const workspace = options.workspace ?? (await makeTempDir('mc-ws-'));
  const dataDir = options.dataDir ?? (await makeTempDir('mc-data-'));
  if (!options.workspace && options.fixture !== false) await cp(FIXTURE_WORKSPACE, workspace, { recursive: true });
  try {
    return await boot(workspace, dataDir, options);
  } catch (error) {
    // A start that fails leaves nothing behind: the folders made here go with it.
    await removeDirs(options.workspace ? undefined : workspace, options.dataDir ? undefined : dataDir);
    throw error;
  }
}

async function boot(workspace: string, dataDir: string, options: StartOptions): Promise<TestApp> {
  const app = await withEnv(
    {
      MC_WORKSPACE: workspace,
      MC_DATA_DIR: dataDir,
      MC_BACKUP_DIR: join(dataDir, 'backups'),
      MC_HOST: '127.0.0.1',
      MC_WS_PORT: '0',
      // Never the developer's own ~/.openclaw: tests that read one say which.
      MC_OPENCLAW_HOME: join(dataDir, 'no-openclaw-home'),
      ...databaseEnv(dataDir),
      ...options.env,
    },
    () => createApp({ logger: false }),
  );
  await listen(app, options.port ?? 0);
  const url = await app.getUrl();
  const gateway = app.get(RealtimeGateway);
  const wsPort = await waitFor(async () => gateway.port ?? undefined, 3000, 'the WebSocket gateway to listen');
  let closed = false;
  return {
    app,
    url,
    wsUrl: `ws://127.0.0.1:${wsPort}`,
    workspace,
    mc: join(workspace, 'mission-control'),
    dataDir,
    close: async () => {
      if (closed) return;
      closed = true;
      await app.close();
    },
  };
}

/** Runs `fn` with these MC_* variables set and every other MC_* variable unset, then restores them. */
export async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  for (const key of Object.keys(process.env)) if (key.startsWith('MC_')) delete process.env[key];
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}

/** Polls until `check` returns a value (or stops throwing); fails with the last error after `timeoutMs`. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs = 3000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as T;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}

/**
 * Checks `check` every 50 ms for `windowMs` and fails the first time it is false: the way to assert
 * that something does not happen, over a stated window rather than at one late instant.
 */
export async function holdsFor(check: () => Promise<boolean>, windowMs: number, what = 'condition'): Promise<void> {
  const start = Date.now();
  for (;;) {
    if (!(await check()))
      throw new Error(`${what} stopped holding ${Date.now() - start} ms into its ${windowMs} ms window`);
    if (Date.now() - start >= windowMs) return;
    await new Promise((r) => setTimeout(r, Math.min(50, windowMs - (Date.now() - start))));
  }
}

export async function removeDirs(...dirs: (string | undefined)[]): Promise<void> {
  await Promise.all(dirs.filter(Boolean).map((d) => rm(d as string, { recursive: true, force: true })));
}

/** A small fetch wrapper: JSON in, status and JSON out. */
export async function api(
  base: string,
  path: string,
  init: RequestInit & { json?: unknown } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers = new Headers(init.headers);
  if (init.json !== undefined) headers.set('content-type', 'application/json');
  const response = await fetch(base + path, {
    ...init,
    headers,
    body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON: keep the text */
  }
  return { status: response.status, body, headers: response.headers };
}
