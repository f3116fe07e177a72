import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { newestFirst, Page, pageOf } from '../common/cursor';
import { parseJsonObject } from '../common/json';
import { DatabaseWriter } from '../database/database-writer';
import { deleteInBatches } from '../database/delete-in-batches';
import { engineSql } from '../database/engine-sql';
import { insertStatement, rowsPerStatement } from '../database/insert-rows';
import { LoggedEvent } from '../contracts/domain-events';
import { EventRecord } from './event.entity';

const COLUMNS = ['timestamp', 'event_type', 'agent_id', 'data'] as const;
/** An event as inserted, its data already JSON text. */
export type EventInsert = Record<(typeof COLUMNS)[number], string | null>;
/** The most events one INSERT statement takes. */
export const EVENTS_PER_STATEMENT = rowsPerStatement(COLUMNS.length);

/** An event as the collector reads it, its data still JSON text. */
export interface StoredEvent {
  id: number;
  timestamp: string;
  event_type: string;
  agent_id: string;
  data: string;
}

export interface EventCountRow {
  agent_id: string | null;
  event_type: string;
  n: number | string;
  response_sum: number | null;
  responses: number | string;
}

export interface EventFilter {
  type?: string;
  agent_id?: string;
  since?: string;
  until?: string;
  limit: number;
  cursor?: string;
}

interface EventRow {
  id: number;
  timestamp: string;
  type: string;
  agent_id: string | null;
  data: string;
}

/** The event log's table: all of its SQL. */
@Injectable()
export class EventsRepository {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly writer: DatabaseWriter,
  ) {}

  /** One INSERT of at most EVENTS_PER_STATEMENT events, which the database commits by itself; their ids in order. */
  async insert(events: EventInsert[]): Promise<number[]> {
    const { sql } = this.writer;
    return sql.insertedIds(
      await this.writer.statement(...insertStatement(sql, 'events', COLUMNS, events)),
      events.length,
    );
  }

  /** The same INSERT inside the caller's transaction. */
  async insertIn(manager: EntityManager, events: EventInsert[]): Promise<number[]> {
    const { sql } = this.writer;
    return sql.insertedIds(await manager.query(...insertStatement(sql, 'events', COLUMNS, events)), events.length);
  }

  /** The last id given out, O(1) where COUNT(*) walks millions of rows. */
  async lastIssuedId(): Promise<number> {
    const [row] = await this.db.query<{ seq: number | string }[]>(engineSql(this.db).lastIssuedId('events'));
    return Number(row?.seq ?? 0);
  }

  /** Deletes the events dated before `before` (ms), in small batches; returns how many. */
  deleteOlderThan(before: number): Promise<number> {
    return deleteInBatches(this.writer, 'events', before);
  }

  /** A page of the log, newest first (see newestFirst). */
  async page(filter: EventFilter): Promise<Page<LoggedEvent>> {
    const query = newestFirst(this.select(), { time: 'e.timestamp', id: 'e.id' }, filter);
    if (filter.type) query.andWhere('e.event_type = :type', { type: filter.type });
    if (filter.agent_id) query.andWhere('e.agent_id = :agentId', { agentId: filter.agent_id });
    if (filter.since) query.andWhere('e.timestamp >= :since', { since: new Date(filter.since).toISOString() });
    if (filter.until) query.andWhere('e.timestamp <= :until', { until: new Date(filter.until).toISOString() });
    const { items, next_cursor } = pageOf(await query.getRawMany<EventRow>(), filter.limit, (row) => row);
    return { items: items.map(toEvent), next_cursor };
  }

  /** These events, in id order (those deleted since are left out). */
  async byIds(ids: number[]): Promise<LoggedEvent[]> {
    if (!ids.length) return [];
    const rows = await this.select().where('e.id IN (:...ids)', { ids }).orderBy('e.id').getRawMany<EventRow>();
    return rows.map(toEvent);
  }

  /**
   * How many events of each of `types` are dated in [since, until], for one agent or all: one indexed
   * range (type or agent, then time), so its cost follows the window, not the history.
   */
  async countByType(types: string[], since: Date, until: Date, agentId?: string): Promise<Record<string, number>> {
    const query = this.events()
      .select('e.event_type', 'type')
      .addSelect('COUNT(*)', 'n')
      .where('e.event_type IN (:...types)', { types })
      .andWhere('e.timestamp >= :since AND e.timestamp <= :until', {
        since: since.toISOString(),
        until: until.toISOString(),
      })
      .groupBy('e.event_type');
    if (agentId) query.andWhere('e.agent_id = :agentId', { agentId });
    const rows: { type: string; n: number | string }[] = await query.getRawMany();
    return Object.fromEntries(types.map((type) => [type, Number(rows.find((r) => r.type === type)?.n ?? 0)]));
  }

  /** The newest event's id; 0 when there is none. */
  async lastId(): Promise<number> {
    const [row] = await this.db.sql<{ id: number | string }[]>`SELECT COALESCE(MAX("id"), 0) AS "id" FROM "events"`;
    return Number(row.id);
  }

  /** The first event dated after `timestamp` (ISO 8601), or null when there is none. */
  async firstIdAfter(timestamp: string): Promise<number | null> {
    const [row] = await this.db.sql<
      { id: number | string | null }[]
    >`SELECT MIN("id") AS "id" FROM "events" WHERE "timestamp" > ${timestamp}`;
    return row.id === null ? null : Number(row.id);
  }

  /**
   * One walk of the ids in (fromId, toId]: per agent and type, how many events, and the sum and count
   * of their numeric `data.response_time`.
   */
  countsInRange(fromId: number, toId: number): Promise<EventCountRow[]> {
    const { jsonNumber, inIdOrder } = engineSql(this.db);
    return this.db.sql`
      SELECT "agent_id", "event_type", COUNT(*) AS "n", SUM(${() => jsonNumber('"data"', 'response_time')}) AS "response_sum",
             COUNT(${() => jsonNumber('"data"', 'response_time')}) AS "responses"
      FROM ${() => inIdOrder('events')} WHERE "id" > ${fromId} AND "id" <= ${toId} GROUP BY "agent_id", "event_type"`;
  }

  /** The first id of an event of `types` dated from `since` on, through the (type, timestamp) index; null when none. */
  async firstIdOfTypesSince(types: readonly string[], since: string): Promise<number | null> {
    const first = await this.events()
      .select('MIN(e.id)', 'id')
      .where('e.event_type IN (:...types)', { types })
      .andWhere('e.timestamp >= :since', { since })
      .getRawOne<{ id: number | null }>();
    return first?.id ?? null;
  }

  /**
   * Up to `limit` events of `types` that name an agent, with ids in (after, upToId], in id order. The
   * type is compared as an expression so that SQLite walks the id range rather than the type index
   * over the whole history and a sort.
   */
  detailPage(range: {
    types: readonly string[];
    after: number;
    upToId: number;
    since?: string;
    limit: number;
  }): Promise<StoredEvent[]> {
    const { types, after, upToId, since, limit } = range;
    const query = this.events()
      .select('e.id', 'id')
      .addSelect('e.timestamp', 'timestamp')
      .addSelect('e.event_type', 'event_type')
      .addSelect('e.agent_id', 'agent_id')
      .addSelect('e.data', 'data')
      .where('e.id > :after AND e.id <= :upToId', { after, upToId })
      .andWhere("(e.event_type || '') IN (:...types)", { types })
      .andWhere('e.agent_id IS NOT NULL')
      .orderBy('e.id')
      .limit(limit);
    if (since) query.andWhere('e.timestamp >= :since', { since });
    return query.getRawMany<StoredEvent>();
  }

  private events() {
    return this.db.getRepository(EventRecord).createQueryBuilder('e');
  }

  private select() {
    return this.events()
      .select('e.id', 'id')
      .addSelect('e.timestamp', 'timestamp')
      .addSelect('e.event_type', 'type')
      .addSelect('e.agent_id', 'agent_id')
      .addSelect('e.data', 'data');
  }
}

function toEvent(row: EventRow): LoggedEvent {
  return {
    id: row.id,
    timestamp: row.timestamp,
    type: row.type,
    agent_id: row.agent_id,
    data: parseJsonObject(row.data),
  };
}
