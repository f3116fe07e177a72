import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/environment';
import { copyDatabase } from './database-file';
import { dumpPostgres, MissingProgramError, PostgresDumpInfo } from './postgres-dump';

export const DATABASE_FILE = 'metrics.db';

/** A copy of the database for a full backup: a SQLite file, a pg_dump file, or none (and why). */
export type DatabaseCopy = { format: 'sqlite' } | { format: 'pg_dump' | null; info: PostgresDumpInfo };

/** Consistent copies of the live database, whichever the engine, for backups. */
@Injectable()
export class DatabaseCopier {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly config: AppConfig,
  ) {}

  /** Writes the copy to `target`. Without pg_dump installed, a PostgreSQL database is left out: the copy says so. */
  async copy(target: string): Promise<DatabaseCopy> {
    const url = this.config.get('MC_DATABASE_URL', { infer: true });
    if (!url) {
      await copyDatabase(join(this.config.get('MC_DATA_DIR', { infer: true }), DATABASE_FILE), target);
      return { format: 'sqlite' };
    }
    const [{ server_version }] = await this.db.query<{ server_version: string }[]>('SHOW server_version');
    try {
      return { format: 'pg_dump', info: await dumpPostgres(url, server_version, target) };
    } catch (error) {
      if (!(error instanceof MissingProgramError)) throw error;
      return {
        format: null,
        info: { engine: 'postgres', server_version, skipped: `${error.message}: the backup holds the workspace only` },
      };
    }
  }
}
