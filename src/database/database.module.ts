import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { join } from 'node:path';
import * as sqlite3 from 'sqlite3';
import { SqliteConnectionOptions } from 'typeorm/driver/sqlite/SqliteConnectionOptions';
import { AppConfig } from '../config/environment';
import { DiskSpaceService } from '../common/disk-space.service';
import { databaseOpenMode, initializeDataSource, readOnlyOptions } from './database-file';
import { DatabaseWriter } from './database-writer';
import { InitialSchema1763800000000 } from './migrations/1763800000000-InitialSchema';
import { HourlyRollups1763900000000 } from './migrations/1763900000000-HourlyRollups';
import { Backups1764000000000 } from './migrations/1764000000000-Backups';
import { OpenClawUsage1764100000000 } from './migrations/1764100000000-OpenClawUsage';
import { CollectionHighWater1764200000000 } from './migrations/1764200000000-CollectionHighWater';
import { Alerts1764400000000 } from './migrations/1764400000000-Alerts';

export const DATABASE_FILE = 'metrics.db';

/** SQLite through TypeORM; the schema comes from migrations run at start, never from synchronize. */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig, DiskSpaceService],
      dataSourceFactory: (options) => initializeDataSource(options as SqliteConnectionOptions),
      useFactory: async (config: AppConfig, disk: DiskSpaceService) => {
        const dataDir = config.get('MC_DATA_DIR', { infer: true });
        const database = join(dataDir, DATABASE_FILE);
        const readOnly = (await databaseOpenMode(database, dataDir, disk)) === 'read-only';
        return {
          type: 'sqlite' as const,
          // TypeORM calls the driver's verbose(), which records a stack trace for every statement (a few
          // percent of the CPU of ingesting events). Errors still carry the failing SQL.
          driver: { ...sqlite3, verbose: () => sqlite3 },
          database,
          // Each feature module registers its own entities (TypeOrmModule.forFeature); the migrations are shared.
          autoLoadEntities: true,
          migrations: [InitialSchema1763800000000, HourlyRollups1763900000000, Backups1764000000000, OpenClawUsage1764100000000, CollectionHighWater1764200000000, Alerts1764400000000],
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
  providers: [DatabaseWriter],
  exports: [DatabaseWriter],
})
export class DatabaseModule {}
