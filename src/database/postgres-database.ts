import { types } from 'pg';
import { DataSource } from 'typeorm';
import { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { withoutPassword } from '../config/environment';
import { POSTGRES_MIGRATIONS } from './migrations/postgres';
import { advisoryLockSql } from './postgres-sql';

/** bigint (COUNT, ids, token totals) and numeric (SUM, AVG) */
const AS_NUMBER = new Set([types.builtins.INT8, types.builtins.NUMERIC]);

/** The connection to PostgreSQL (MC_DATABASE_URL), through TypeORM's postgres driver and a pg pool. */
export function postgresOptions(
  url: string,
  instanceId: string,
): PostgresConnectionOptions & { autoLoadEntities: boolean } {
  return {
    type: 'postgres',
    applicationName: applicationName(instanceId),
    url,
    autoLoadEntities: true,
    migrations: POSTGRES_MIGRATIONS,
    // Run by initializePostgres, under a lock.
    migrationsRun: false,
    synchronize: false,
    logging: ['error'],
    extra: {
      max: 10,
      connectionTimeoutMillis: 10_000,
      // pg reads these as text, to spare numbers beyond 2^53; none here comes near, and the code is
      // written for numbers, as SQLite answers.
      types: {
        getTypeParser: (oid: number, format: 'text' | 'binary') =>
          AS_NUMBER.has(oid) ? Number : types.getTypeParser(oid, format),
      },
    },
  };
}

/** How the instance's connections are named in pg_stat_activity (at most 63 bytes). */
const APPLICATION_PREFIX = 'mission-control ';
const applicationName = (instanceId: string) => `${APPLICATION_PREFIX}${instanceId}`.slice(0, 63);

/** The other Mission Control instances connected to this database, by name. */
export async function otherInstances(db: DataSource): Promise<string[]> {
  const own = (db.options as PostgresConnectionOptions).applicationName ?? '';
  const rows = await db.sql<{ name: string }[]>`SELECT DISTINCT "application_name" AS "name" FROM "pg_stat_activity"
    WHERE "datname" = current_database() AND "application_name" LIKE ${`${APPLICATION_PREFIX}%`} AND "application_name" <> ${own}`;
  return rows.map((row) => row.name.slice(APPLICATION_PREFIX.length));
}

/** Any number, the same for every instance: the advisory lock held while migrations run. */
const MIGRATION_LOCK = 7_060_001;

/**
 * Connects and brings the schema up to date. The migrations run in one transaction, under an advisory
 * lock, so instances of a cluster started together neither race to create the schema nor see half of it.
 */
export async function initializePostgres(options: PostgresConnectionOptions): Promise<DataSource> {
  const db = new DataSource(options);
  try {
    await db.initialize();
    const runner = db.createQueryRunner();
    try {
      await runner.query(advisoryLockSql.lock, [MIGRATION_LOCK]);
      await db.runMigrations({ transaction: 'all' });
    } finally {
      await runner.query(advisoryLockSql.unlock, [MIGRATION_LOCK]).catch(() => undefined);
      await runner.release();
    }
    return db;
  } catch (error) {
    if (db.isInitialized) await db.destroy().catch(() => undefined);
    throw new Error(
      `Cannot use the PostgreSQL database at ${withoutPassword(options.url ?? '')} (MC_DATABASE_URL): ${(error as Error).message}`,
      { cause: error },
    );
  }
}
