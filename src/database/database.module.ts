import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { join } from 'node:path';
import * as sqlite3 from 'sqlite3';
import { AppConfig } from '../config/environment';
import { Backup } from '../backups/backup.entity';
import { EventRecord } from '../events/event.entity';
import { AgentMetric } from '../metrics/agent-metric.entity';
import { SystemMetric } from '../metrics/system-metric.entity';
import { assertDatabaseUsable } from './database-file';
import { DatabaseWriter } from './database-writer';
import { InitialSchema1763800000000 } from './migrations/1763800000000-InitialSchema';
import { HourlyRollups1763900000000 } from './migrations/1763900000000-HourlyRollups';
import { Backups1764000000000 } from './migrations/1764000000000-Backups';
import { OpenClawUsage1764100000000 } from './migrations/1764100000000-OpenClawUsage';
import { CollectionHighWater1764200000000 } from './migrations/1764200000000-CollectionHighWater';

export const DATABASE_FILE = 'metrics.db';

/** SQLite through TypeORM; the schema comes from migrations run at start, never from synchronize. */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: async (config: AppConfig) => {
        const dataDir = config.get('MC_DATA_DIR', { infer: true });
        const database = join(dataDir, DATABASE_FILE);
        await assertDatabaseUsable(database, dataDir);
        return {
          type: 'sqlite' as const,
          // TypeORM calls the driver's verbose(), which records a stack trace for every statement (a few
          // percent of the CPU of ingesting events). Errors still carry the failing SQL.
          driver: { ...sqlite3, verbose: () => sqlite3 },
          database,
          entities: [AgentMetric, SystemMetric, EventRecord, Backup],
          migrations: [InitialSchema1763800000000, HourlyRollups1763900000000, Backups1764000000000, OpenClawUsage1764100000000, CollectionHighWater1764200000000],
          migrationsRun: true,
          synchronize: false,
          enableWAL: true,
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
