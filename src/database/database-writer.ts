import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

/**
 * Runs write transactions one at a time. TypeORM's SQLite driver shares one connection, on which
 * two concurrent transactions would silently nest as savepoints and commit or roll back together.
 */
@Injectable()
export class DatabaseWriter {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const run = this.tail.then(() => this.db.transaction(work));
    this.tail = run.catch(() => undefined);
    return run;
  }
}
