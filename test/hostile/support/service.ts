import { cp, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { api, FIXTURE_WORKSPACE, makeTempDir, removeDirs, startApp, waitFor } from '../../support/app-harness';
import { ServiceProcess, spawnService } from '../../support/service-process';

const OPENCLAW_FIXTURE = join(__dirname, '..', '..', 'fixtures', 'openclaw', 'home-sqlite');

/** Everything one Mission Control keeps, under one temporary folder, so that a restart finds it again. */
export interface ServiceFolders {
  base: string;
  workspace: string;
  dataDir: string;
  backupDir: string;
  openclawHome: string;
}

export interface RunningService {
  process: ServiceProcess;
  url: string;
  wsUrl: string;
}

/** A copy of the fixture workspace and of the fixture OpenClaw home (sessions and transcripts to read). */
export async function makeFolders(): Promise<ServiceFolders> {
  const base = await makeTempDir('mc-hostile-');
  const f = {
    base,
    workspace: join(base, 'workspace'),
    dataDir: join(base, 'data'),
    backupDir: join(base, 'backups'),
    openclawHome: join(base, 'openclaw'),
  };
  await cp(FIXTURE_WORKSPACE, f.workspace, { recursive: true });
  await cp(OPENCLAW_FIXTURE, f.openclawHome, { recursive: true });
  await mkdir(f.dataDir, { recursive: true });
  return f;
}

/**
 * Starts the real service as a child process on these folders, so that what the test itself does
 * (generating thousands of requests) never stalls the service's event loop, and a crash shows as an exit.
 */
export async function startService(f: ServiceFolders, env: Record<string, string> = {}): Promise<RunningService> {
  const child = spawnService('src/main.ts', [], serviceEnv(f, env));
  const url = await child.url(120_000);
  const wsUrl = await waitFor(
    async () => child.output().match(/WebSocket gateway on (ws:\/\/\S+)/)?.[1],
    30_000,
    'the WebSocket gateway to listen',
  );
  return { process: child, url, wsUrl };
}

/** The environment startService runs the service with, for a test that spawns one itself (a start meant to fail). */
export function serviceEnv(f: ServiceFolders, env: Record<string, string> = {}): Record<string, string> {
  return {
    MC_WORKSPACE: f.workspace,
    MC_DATA_DIR: f.dataDir,
    MC_BACKUP_DIR: f.backupDir,
    MC_OPENCLAW_HOME: f.openclawHome,
    MC_STALE_MINUTES: String(60 * 24 * 365 * 50),
    MC_METRICS_INTERVAL: '3600',
    // No scheduled backup lands in a run (its partial file would read as something left behind).
    MC_BACKUP_INTERVAL: '8784',
    ...env,
  };
}

/** The lines the service logged as errors (a 5xx logs its stack), to show beside a failure. */
export function loggedErrors(service: RunningService): string {
  return service.process
    .output()
    .split('\n')
    .filter((line) => /\bERROR\b/.test(line))
    .slice(0, 40)
    .join('\n');
}

/**
 * The OpenAPI document as `nest start` serves it. The child process runs through ts-node, without the
 * Swagger CLI plugin that documents DTOs from their types, so its own /docs-json lists few fields: the
 * document comes from the app booted here, under ts-jest with the same plugin.
 */
export async function openApiDocument<T>(): Promise<T> {
  const app = await startApp();
  try {
    return (await api(app.url, '/docs-json')).body as T;
  } finally {
    await app.close();
    await removeDirs(app.workspace, app.dataDir);
  }
}
