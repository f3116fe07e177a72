import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { SqliteDriver } from 'typeorm/driver/sqlite/SqliteDriver';
import { DiskSpaceService } from '../common/disk-space.service';
import { EngineSql, engineSql } from './engine-sql';
import { SqliteStatements } from './sqlite-statements';

/**
 * The write settings of the app's connection (the ingest benchmark's raw baseline uses them too).
 * In WAL mode, NORMAL syncs at checkpoints instead of at every commit: a commit survives any crash of the
 * process and stays atomic; only a power loss can take back the last few. Fewer checkpoints make faster
 * commits, and the WAL file is cut back after each. The page cache holds the index pages a commit touches,
 * which SQLite's default 2 MB does not for a large fleet's batches (README, "Events and metrics").
 */
export const WRITE_PRAGMAS = [
  'synchronous = NORMAL',
  'wal_autocheckpoint = 10000',
  'journal_size_limit = 67108864',
  'cache_size = -16384',
];

/**
 * The door for writes. On SQLite it orders them on the one connection TypeORM's driver shares, on
 * which two concurrent transactions would silently nest as savepoints and commit or roll back
 * together: a transaction runs alone; single statements run after the transactions queued before
 * them and before the ones queued after, but not one at a time. A write that finds the disk full is a
 * 507 (see DiskSpaceService). On PostgreSQL each transaction takes a connection of the pool, and the
 * server orders them.
 */
@Injectable()
export class DatabaseWriter implements OnModuleInit, OnModuleDestroy {
  /** Settles when every write queued so far has. */
  private tail: Promise<unknown> = Promise.resolve();
  /** Settles when the last transaction queued so far has. */
  private lastTransaction: Promise<unknown> = Promise.resolve();

  /** The engine's SQL fragments, for statements written here by other modules. */
  readonly sql: EngineSql;
  private readonly sqlite: boolean;
  /** SQLite: the statements kept prepared, until the module stops. */
  private prepared: SqliteStatements | null = null;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly disk: DiskSpaceService,
  ) {
    this.sql = engineSql(db);
    this.sqlite = db.options.type === 'sqlite';
  }

  async onModuleInit(): Promise<void> {
    if (!this.sqlite) return;
    for (const pragma of WRITE_PRAGMAS) await this.db.query(`PRAGMA ${pragma}`);
    this.prepared = new SqliteStatements((this.db.driver as SqliteDriver).databaseConnection);
  }

  /** After the modules that write (destroyed first) have finished; later statements are prepared each time. */
  async onModuleDestroy(): Promise<void> {
    const prepared = this.prepared;
    this.prepared = null;
    await prepared?.close();
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (!this.sqlite) return this.db.transaction(work);
    const run = this.tail.then(() => this.write(() => this.inTransaction(work)));
    this.tail = this.lastTransaction = run.catch(() => undefined);
    return run;
  }

  /**
   * One INSERT, which the database commits atomically by itself; answers as TypeORM's query does (the
   * last id on SQLite, the RETURNING rows on PostgreSQL). Statements do not wait for one another:
   * handed to the driver together, the next is queued while one runs. On SQLite the statement stays
   * prepared for the next INSERT of the same text (see SqliteStatements).
   */
  statement(sql: string, params: unknown[]): Promise<unknown> {
    if (!this.sqlite) return this.db.query(sql, params);
    const run = this.lastTransaction.then(() =>
      this.write(() => (this.prepared ? this.prepared.run(sql, params) : this.db.query(sql, params))),
    );
    this.tail = Promise.all([this.tail, run.catch(() => undefined)]);
    return run;
  }

  /** A write that finds no room is a 507 (so is any write to a database opened read-only for lack of room). */
  private write<T>(run: () => Promise<T>): Promise<T> {
    return this.disk.databaseReadOnly ? this.disk.refuseReadOnly() : this.disk.guard(['MC_DATA_DIR'], run);
  }

  /**
   * When a statement or the COMMIT fails for lack of space (or an I/O error), SQLite rolls the whole
   * transaction back by itself. TypeORM's ROLLBACK then fails, and its runner, which SQLite's driver
   * shares, still counts a transaction open: every later transaction would become a savepoint and
   * every later statement would join a transaction never committed, answered as stored and lost at
   * the next close. So the runner is told the truth, and SQLite is made sure to hold no transaction.
   */
  private async inTransaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction(work);
    } catch (error) {
      const runner = this.db.createQueryRunner();
      if (runner.isTransactionActive) {
        await runner.query('ROLLBACK').catch(() => undefined);
        Object.assign(runner, { isTransactionActive: false, transactionDepth: 0 });
      }
      throw error;
    }
  }
}
