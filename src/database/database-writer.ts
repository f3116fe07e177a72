import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

/**
 * Runs write transactions one at a time. TypeORM's SQLite driver shares one connection, on which
 * two concurrent transactions would silently nest as savepoints and commit or roll back together.
 */
@Injectable()
export class DatabaseWriter implements OnModuleInit {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * In WAL mode, NORMAL syncs at checkpoints instead of at every commit: a commit survives any crash
   * of the process and stays atomic; only a power loss can take back the last few.
   */
  async onModuleInit(): Promise<void> {
    await this.db.query('PRAGMA synchronous = NORMAL');
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const run = this.tail.then(() => this.db.transaction(work));
    this.tail = run.catch(() => undefined);
    return run;
  }
}
