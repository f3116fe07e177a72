import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { join } from 'node:path';
import * as sqlite3 from 'sqlite3';
import { SqliteConnectionOptions } from 'typeorm/driver/sqlite/SqliteConnectionOptions';
import { AppConfig } from '../config/environment';
import { DiskSpaceService } from '../common/disk-space.service';
import { databaseOpenMode, initializeDataSource, readOnlyOptions } from './database-file';
import { DATABASE_FILE, DatabaseCopier } from './database-copier';
import { DatabaseWriter } from './database-writer';
import { SQLITE_MIGRATIONS } from './migrations/sqlite';
import { initializePostgres, postgresOptions } from './postgres-database';

/**
 * SQLite in <MC_DATA_DIR> by default, PostgreSQL when MC_DATABASE_URL is set, through TypeORM; the
 * schema comes from each engine's migrations, run at start, never from synchronize.
 */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig, DiskSpaceService],
      dataSourceFactory: (options) =>
        options?.type === 'postgres'
          ? initializePostgres(options)
          : initializeDataSource(options as SqliteConnectionOptions),
      useFactory: async (config: AppConfig, disk: DiskSpaceService) => {
        const url = config.get('MC_DATABASE_URL', { infer: true });
        if (url) return postgresOptions(url, config.get('MC_INSTANCE_ID', { infer: true }));
        const dataDir = config.get('MC_DATA_DIR', { infer: true });
        const database = join(dataDir, DATABASE_FILE);
        const readOnly = (await databaseOpenMode(database, dataDir, disk)) === 'read-only';
        return {
          type: 'sqlite' as const,
          // TypeORM calls the driver's verbose(), which records a stack trace for every statement (a few
          // percent of the CPU of ingesting events). Errors still carry the failing SQL.
          driver: { ...sqlite3, verbose: () => sqlite3 },
          database,
          // Each feature module registers its own entities (TypeOrmModule.forFeature).
          autoLoadEntities: true,
          migrations: SQLITE_MIGRATIONS,
          migrationsRun: true,
          synchronize: false,
          enableWAL: true,
          // No room even to open the database for writing: it is read as it stands, and writes get 507.
          ...(readOnly ? readOnlyOptions(database) : {}),
          busyTimeout: 5000,
          retryAttempts: 0,
          logging: ['error' as const],
        };
      },
    }),
  ],
  providers: [DatabaseWriter, DatabaseCopier],
  exports: [DatabaseWriter, DatabaseCopier],
})
export class DatabaseModule {}
