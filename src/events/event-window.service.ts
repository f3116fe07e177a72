import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { engineSql } from '../database/engine-sql';
import { EventRecord } from './event.entity';

/** An event as the collector reads it, its data still JSON text. */
export interface StoredEvent {
  id: number;
  timestamp: string;
  event_type: string;
  agent_id: string;
  data: string;
}

export interface EventCount {
  agent_id: string | null;
  event_type: string;
  n: number;
}

export interface WindowSummary {
  counts: EventCount[];
  averageResponseTime: number | null;
}

/**
 * Events read at a time. An event's data may be 16 KiB, and a window may hold any number of events:
 * a page bounds what is held at once to about 8 MiB.
 */
const PAGE_ROWS = 500;

export interface EventRange {
  types: readonly string[];
  /** Ids after this one… */
  afterId: number;
  /** …up to this one. */
  upToId: number;
  /** Only events dated from then on (ISO 8601). */
  since?: string;
}

/**
 * Windows of the event log, for the metrics collector: with EventsService, the only code that reads
 * the events table, so a change of database engine touches this module alone.
 */
@Injectable()
export class EventWindowService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

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
   * One walk of the ids in (fromId, toId]: how many events of each type each agent (null: about no
   * agent) reported, and the mean of their numeric `data.response_time` (null when none has one).
   */
  async summary(fromId: number, toId: number): Promise<WindowSummary> {
    const { jsonNumber, inIdOrder } = engineSql(this.db);
    const rows = await this.db.sql<(EventCount & { response_sum: number | null; responses: number | string })[]>`
      SELECT "agent_id", "event_type", COUNT(*) AS "n", SUM(${() => jsonNumber('"data"', 'response_time')}) AS "response_sum",
             COUNT(${() => jsonNumber('"data"', 'response_time')}) AS "responses"
      FROM ${() => inIdOrder('events')} WHERE "id" > ${fromId} AND "id" <= ${toId} GROUP BY "agent_id", "event_type"`;
    const responses = rows.reduce((sum, row) => sum + Number(row.responses), 0);
    const responseSum = rows.reduce((sum, row) => sum + Number(row.response_sum ?? 0), 0);
    // Figures older versions stored unbounded can sum past a double: no mean rather than an infinite one.
    const average = responses ? responseSum / responses : null;
    return {
      counts: rows.map(({ agent_id, event_type, n }) => ({ agent_id, event_type, n: Number(n) })),
      averageResponseTime: average !== null && Number.isFinite(average) ? average : null,
    };
  }

  /**
   * Visits the events of `types` that name an agent, with ids in the range, in id order, a page at a
   * time. The type is compared as an expression so that SQLite walks the id range rather than the
   * type index over the whole history and a sort.
   */
  async forEach(range: EventRange, visit: (event: StoredEvent) => void): Promise<void> {
    const { types, since, upToId } = range;
    const events = () => this.db.getRepository(EventRecord).createQueryBuilder('e');
    let after = range.afterId;
    if (since) {
      // A dated range starts at its first event, found through the (type, timestamp) index.
      const first = await events()
        .select('MIN(e.id)', 'id')
        .where('e.event_type IN (:...types)', { types })
        .andWhere('e.timestamp >= :since', { since })
        .getRawOne<{ id: number | null }>();
      if (first?.id == null) return;
      after = Math.max(after, first.id - 1);
    }
    while (after < upToId) {
      const query = events()
        .select('e.id', 'id')
        .addSelect('e.timestamp', 'timestamp')
        .addSelect('e.event_type', 'event_type')
        .addSelect('e.agent_id', 'agent_id')
        .addSelect('e.data', 'data')
        .where('e.id > :after AND e.id <= :upToId', { after, upToId })
        .andWhere("(e.event_type || '') IN (:...types)", { types })
        .andWhere('e.agent_id IS NOT NULL')
        .orderBy('e.id')
        .limit(PAGE_ROWS);
      if (since) query.andWhere('e.timestamp >= :since', { since });
      const page = await query.getRawMany<StoredEvent>();
      for (const event of page) visit(event);
      if (page.length < PAGE_ROWS) return;
      after = page[page.length - 1].id;
    }
  }
}
