import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { DatabaseWriter } from '../database/database-writer';
import { insertStatement } from '../database/insert-rows';

/** Rows deleted per transaction. */
const DELETE_ROWS = 10_000;

/**
 * The events outbox (cluster mode, PostgreSQL): each request's event ids, written in the transaction
 * that stores the events, until the bus is known to have their broadcast (see OutboxSweeper).
 */
@Injectable()
export class OutboxRepository {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly writer: DatabaseWriter,
  ) {}

  /** One row per list of event ids, inside the caller's transaction; their ids in order. */
  async insertIn(manager: EntityManager, eventIds: number[][], createdAt: string): Promise<number[]> {
    const { sql } = this.writer;
    const rows = eventIds.map((ids) => ({ event_ids: JSON.stringify(ids), created_at: createdAt }));
    return sql.insertedIds(
      await manager.query(...insertStatement(sql, 'events_outbox', ['event_ids', 'created_at'], rows)),
      rows.length,
    );
  }

  /** The oldest rows written before `before` (at most 500), with their events' ids. */
  async before(before: Date): Promise<{ id: number; event_ids: number[] }[]> {
    const rows = await this.db.sql<{ id: number; event_ids: string }[]>`
      SELECT "id", "event_ids" FROM "events_outbox" WHERE "created_at" < ${before.toISOString()} ORDER BY "id" LIMIT 500`;
    return rows.map((row) => ({ id: Number(row.id), event_ids: JSON.parse(row.event_ids) as number[] }));
  }

  /** Deletes these rows. */
  async delete(ids: number[]): Promise<void> {
    for (let i = 0; i < ids.length; i += DELETE_ROWS) {
      const some = ids.slice(i, i + DELETE_ROWS);
      await this.writer.transaction((m) =>
        m.createQueryBuilder().delete().from('events_outbox').where('"id" IN (:...some)', { some }).execute(),
      );
    }
  }
}
