import { ConflictException } from '@nestjs/common';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { acquireLockFile, LockHeldError } from '../common/lock-file';
import { outOfSpace } from '../common/out-of-space';

export interface RunningOperation {
  operation: string;
  backup_id: string | null;
  pid: number;
  started_at: string;
}

/**
 * One backup, restore or import at a time, across the service and the command line: an exclusive lock
 * file in MC_BACKUP_DIR (see acquireLockFile); one left by a process that died is taken over, and one
 * that cannot be read counts as held.
 */
export class BackupLock {
  private readonly file: string;

  constructor(backupDir: string) {
    this.file = join(backupDir, '.operation.lock');
  }

  /**
   * At start: a lock naming this very process cannot be a live one (a restart reusing the pid, as pid 1 in
   * containers). A disk too full to take the lock does not stop the start: backups will say so (507).
   */
  async clearStale(): Promise<void> {
    await acquireLockFile(
      this.file,
      { pid: process.pid, started_at: new Date().toISOString(), operation: 'start', backup_id: null },
      true,
    )
      .then(() => rm(this.file, { force: true }))
      .catch((error: Error) => {
        if (!(error instanceof LockHeldError) && !outOfSpace(error)?.certain) throw error;
      });
  }

  async run<T>(operation: string, backupId: string | null, work: () => Promise<T>): Promise<T> {
    const mine: RunningOperation = {
      operation,
      backup_id: backupId,
      pid: process.pid,
      started_at: new Date().toISOString(),
    };
    try {
      await acquireLockFile(this.file, { ...mine });
    } catch (error) {
      if (!(error instanceof LockHeldError)) throw error;
      const running = error.holder as RunningOperation | null;
      throw new ConflictException(
        running
          ? { message: `A ${running.operation} is already running`, running }
          : { message: 'Another operation holds the backup lock' },
      );
    }
    try {
      return await work();
    } finally {
      await rm(this.file, { force: true });
    }
  }
}
