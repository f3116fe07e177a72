import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { acquireLockFile, LockHeldError, lockHolder } from '../common/lock-file';

/** While the service runs, `<MC_DATA_DIR>/service.lock` names its process: offline tools check it. */
export const SERVICE_LOCK_FILE = 'service.lock';

/** Takes the data folder for this service; another live service on it stops the start with a message. */
export async function writeServiceLock(dataDir: string): Promise<void> {
  // On SQLite the database is there first; on PostgreSQL the lock may be the folder's first file.
  await mkdir(dataDir, { recursive: true });
  try {
    await acquireLockFile(
      join(dataDir, SERVICE_LOCK_FILE),
      { pid: process.pid, started_at: new Date().toISOString() },
      true,
    );
  } catch (error) {
    if (error instanceof LockHeldError)
      throw new Error(`Another Mission Control runs on ${dataDir} (${error.message}): stop it first`);
    throw error;
  }
}

export async function removeServiceLock(dataDir: string): Promise<void> {
  await rm(join(dataDir, SERVICE_LOCK_FILE), { force: true });
}

/** The service running on this data folder: its pid, `unknown` when its lock cannot be read, or null when none runs. */
export async function runningService(dataDir: string): Promise<number | 'unknown' | null> {
  const holder = await lockHolder(join(dataDir, SERVICE_LOCK_FILE));
  return holder === 'unreadable' ? 'unknown' : (holder?.pid ?? null);
}
