import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isAlive } from '../common/process';

/** While the service runs, `<MC_DATA_DIR>/service.lock` names its process: offline tools check it. */
const LOCK_FILE = 'service.lock';

export async function writeServiceLock(dataDir: string): Promise<void> {
  await writeFile(join(dataDir, LOCK_FILE), JSON.stringify({ pid: process.pid, started_at: new Date().toISOString() }));
}

export async function removeServiceLock(dataDir: string): Promise<void> {
  await rm(join(dataDir, LOCK_FILE), { force: true });
}

/** The pid of the service running on this data folder, or null when none is. */
export async function runningService(dataDir: string): Promise<number | null> {
  try {
    const { pid } = JSON.parse(await readFile(join(dataDir, LOCK_FILE), 'utf8')) as { pid: number };
    return typeof pid === 'number' && pid !== process.pid && isAlive(pid) ? pid : null;
  } catch {
    return null;
  }
}
