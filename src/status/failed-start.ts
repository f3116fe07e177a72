import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { serviceVersion } from '../common/project';
import { removeServiceLock, writeServiceLock } from './service-lock';

/**
 * status.json for a start that failed before the application was made (a database it could not
 * open, say), when StatusService cannot write it: `failed` and why. Only in a data folder that exists
 * and that no other service holds; its lock is taken while writing, and given up.
 */
export async function writeFailedStart(
  dataDir: string,
  reason: string,
  api: { host: string; port: number },
): Promise<void> {
  if (
    !(await stat(dataDir).then(
      (info) => info.isDirectory(),
      () => false,
    ))
  )
    return;
  try {
    await writeServiceLock(dataDir);
  } catch {
    return;
  }
  const file = join(dataDir, 'status.json');
  const tmp = `${file}.${process.pid}.tmp`;
  const now = new Date();
  const status = {
    service: 'mission-control',
    version: serviceVersion(),
    state: 'failed',
    reason,
    pid: process.pid,
    started_at: new Date(now.getTime() - process.uptime() * 1000).toISOString(),
    updated_at: now.toISOString(),
    api,
  };
  try {
    await writeFile(tmp, JSON.stringify(status, null, 2));
    await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
    await removeServiceLock(dataDir);
  }
}
