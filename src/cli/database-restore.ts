import { INestApplicationContext } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { ARCHIVE_DATABASE, ARCHIVE_POSTGRES_DUMP } from '../backups/backup-names';
import { BackupsService } from '../backups/backups.service';
import { RestoreService } from '../backups/restore.service';
import { EnvironmentVariables } from '../config/environment';
import { DATABASE_FILE } from '../database/database-copier';
import { quickCheck } from '../database/database-file';
import { otherInstances } from '../database/postgres-database';
import { restorePostgres } from '../database/postgres-dump';
import { runningService } from '../status/service-lock';

/**
 * The database part of `restore --with-database`, offline: taken out of the backup before anything
 * changes, then swapped in once the files are restored. SQLite: the file, checked, replaces the old
 * one by rename. PostgreSQL: pg_restore replaces Mission Control's tables in one transaction.
 */
export class DatabaseRestore {
  private staged = '';

  constructor(private readonly config: EnvironmentVariables) {}

  private get postgres(): boolean {
    return Boolean(this.config.MC_DATABASE_URL);
  }

  /** Refuses while a service uses the database, and stages the backup's copy of it. */
  async stage(app: INestApplicationContext, id: string): Promise<void> {
    if (this.postgres) {
      const running = await otherInstances(app.get<DataSource>(getDataSourceToken()));
      if (running.length)
        throw new Error(
          `Mission Control is running on this database (${running.join(', ')}): stop every instance before restoring the database`,
        );
    } else {
      const pid = await runningService(this.config.MC_DATA_DIR);
      if (pid)
        throw new Error(
          `Mission Control is running on this data folder (pid ${pid}): stop it before restoring the database`,
        );
    }
    const entry = this.postgres ? ARCHIVE_POSTGRES_DUMP : ARCHIVE_DATABASE;
    // On PostgreSQL the data folder may not exist yet: the database is elsewhere.
    if (this.postgres) await mkdir(this.config.MC_DATA_DIR, { recursive: true });
    const folder = this.postgres ? await mkdtemp(join(this.config.MC_DATA_DIR, '.restore-')) : this.config.MC_DATA_DIR;
    this.staged = join(folder, this.postgres ? 'mission-control.pgdump' : `.${DATABASE_FILE}.restore`);
    const found = await app
      .get(RestoreService)
      .extractDatabase(await app.get(BackupsService).get(id), this.staged, entry);
    if (!found) {
      const engine = this.postgres ? 'a PostgreSQL dump' : 'a SQLite database';
      throw new Error(
        `Backup ${id} holds no ${engine} (${entry}), which this service's database needs: it was made on the other engine, or without pg_dump. Nothing was restored`,
      );
    }
  }

  /** Puts the staged copy in place; returns what was restored. */
  async apply(): Promise<string> {
    try {
      if (this.postgres) {
        await restorePostgres(this.config.MC_DATABASE_URL as string, this.staged);
        return 'Database (PostgreSQL, MC_DATABASE_URL)';
      }
      const check = await quickCheck(this.staged);
      if (check !== 'ok') throw new Error(`the database in the backup fails its integrity check: ${check}`);
      const dbFile = join(this.config.MC_DATA_DIR, DATABASE_FILE);
      // The old database's write-ahead log must not be replayed onto the restored file.
      await rm(`${dbFile}-wal`, { force: true });
      await rm(`${dbFile}-shm`, { force: true });
      await rename(this.staged, dbFile);
      return `Database ${dbFile}`;
    } finally {
      await this.discard();
    }
  }

  async discard(): Promise<void> {
    if (this.staged) await rm(this.postgres ? join(this.staged, '..') : this.staged, { recursive: true, force: true });
  }
}
