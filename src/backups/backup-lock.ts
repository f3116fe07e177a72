import { ConflictException } from '@nestjs/common';
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isAlive } from '../common/process';

export interface RunningOperation {
  operation: string;
  backup_id: string | null;
  pid: number;
  started_at: string;
}

/**
 * One backup, restore or import at a time, across the service and the command line: a lock file in
 * MC_BACKUP_DIR, created exclusively; one left by a process that died is taken over.
 */
export class BackupLock {
  private readonly file: string;

  constructor(backupDir: string) {
    this.file = join(backupDir, '.operation.lock');
  }

  /** A lock naming this very process cannot be a live one (a restart reusing the pid, as pid 1 in containers). */
  async clearStale(): Promise<void> {
    const running = await this.current();
    if (running && (running.pid === process.pid || !isAlive(running.pid))) await rm(this.file, { force: true });
  }

  async run<T>(operation: string, backupId: string | null, work: () => Promise<T>): Promise<T> {
    await this.acquire({ operation, backup_id: backupId, pid: process.pid, started_at: new Date().toISOString() });
    try {
      return await work();
    } finally {
      await rm(this.file, { force: true });
    }
  }

  private async acquire(mine: RunningOperation): Promise<void> {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const handle = await open(this.file, 'wx');
        await handle.writeFile(JSON.stringify(mine));
        await handle.close();
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const running = await this.current();
        if (running && isAlive(running.pid)) {
          throw new ConflictException({ message: `A ${running.operation} is already running`, running });
        }
        await rm(this.file, { force: true });
      }
    }
    throw new ConflictException({ message: 'Another operation holds the backup lock' });
  }

  private async current(): Promise<RunningOperation | null> {
    try {
      return JSON.parse(await readFile(this.file, 'utf8')) as RunningOperation;
    } catch {
      return null;
    }
  }
}
