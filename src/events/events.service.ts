import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { decodeCursor, encodeCursor } from '../common/cursor';
import { DatabaseWriter } from '../database/database-writer';
import { deleteInBatches } from '../database/delete-in-batches';
import { engineSql } from '../database/engine-sql';
import { DomainEventBus } from '../common/domain-event-bus';
import { parseJsonObject } from '../common/json';
import { DomainEvent, LoggedEvent } from '../contracts/domain-events';
import { CreateEventDto } from './dto/create-event.dto';
import { EVENT_TYPE_PATTERN } from '../contracts/ids';
import { EventPageDto } from './dto/event.dto';
import { EventQuery } from './dto/event-query.dto';
import { EventBatcher, NewEvent } from './event-batcher';
import { EventRecord } from './event.entity';

interface EventRow {
  id: number;
  timestamp: string;
  type: string;
  agent_id: string | null;
  data: string;
}

/** The event log: what agents report and what Mission Control itself notices. */
@Injectable()
export class EventsService {
  private readonly logger = new Logger(EventsService.name);

  constructor(
    private readonly batcher: EventBatcher,
    private readonly bus: DomainEventBus,
    @InjectDataSource() private readonly db: DataSource,
    private readonly writer: DatabaseWriter,
  ) {}

  /** Stores validated events; resolves once they are committed, in the order given. */
  async ingest(events: CreateEventDto[]): Promise<LoggedEvent[]> {
    const now = new Date().toISOString();
    const rows: NewEvent[] = events.map((e) => ({
      timestamp: e.timestamp ? new Date(e.timestamp).toISOString() : now,
      type: e.event_type,
      agent_id: e.agent_id ?? null,
      data: e.data ?? {},
    }));
    const { events: stored, outbox } = await this.batcher.append(rows);
    // One emission for the whole request: one per event cost the main thread a large share at high rates.
    this.bus.emit(DomainEvent.EventsLogged, { events: stored, outbox });
    return stored;
  }

  /** How many events were ever logged: the last id given out, O(1) where COUNT(*) walks millions of rows. */
  async loggedCount(): Promise<number> {
    const [row] = await this.db.query<{ seq: number | string }[]>(engineSql(this.db).lastIssuedId('events'));
    return Number(row?.seq ?? 0);
  }

  /**
   * Deletes the events dated before `before` (ms), in small batches; returns how many (see MetricsRetentionService).
   */
  deleteOlderThan(before: number): Promise<number> {
    return deleteInBatches(this.writer, 'events', before);
  }

  /** Mission Control's own events (status changes, backups, restores, errors). Never throws: it logs instead. */
  async log(type: string, agentId: string | null, data: Record<string, unknown> = {}): Promise<LoggedEvent | null> {
    if (!EVENT_TYPE_PATTERN.test(type)) throw new Error(`Bad internal event type "${type}"`);
    try {
      const [event] = await this.ingest([{ event_type: type, agent_id: agentId, data }]);
      return event;
    } catch (error) {
      this.logger.error(`Could not log ${type} for ${agentId ?? 'the system'}: ${(error as Error).message}`);
      return null;
    }
  }

  /** Newest first, keyset-paginated on (timestamp, id) so pages neither skip nor repeat while events arrive. */
  async query(q: EventQuery): Promise<EventPageDto> {
    const query = this.select()
      .orderBy('e.timestamp', 'DESC')
      .addOrderBy('e.id', 'DESC')
      .limit(q.limit + 1);
    if (q.type) query.andWhere('e.event_type = :type', { type: q.type });
    if (q.agent_id) query.andWhere('e.agent_id = :agentId', { agentId: q.agent_id });
    if (q.since) query.andWhere('e.timestamp >= :since', { since: new Date(q.since).toISOString() });
    if (q.until) query.andWhere('e.timestamp <= :until', { until: new Date(q.until).toISOString() });
    if (q.cursor) {
      const { timestamp, id } = decodeCursor(q.cursor);
      query.andWhere('(e.timestamp < :cursorTime OR (e.timestamp = :cursorTime AND e.id < :cursorId))', {
        cursorTime: timestamp,
        cursorId: id,
      });
    }
    const rows = await query.getRawMany<EventRow>();
    const page = rows.slice(0, q.limit).map(toEvent);
    const last = page[page.length - 1];
    return { events: page, next_cursor: rows.length > q.limit ? encodeCursor(last) : null };
  }

  /** Cluster mode: the oldest outbox rows written before `before` (at most 500), with their events' ids. */
  async outboxBefore(before: Date): Promise<{ id: number; event_ids: number[] }[]> {
    const rows = await this.db.sql<{ id: number; event_ids: string }[]>`
      SELECT "id", "event_ids" FROM "events_outbox" WHERE "created_at" < ${before.toISOString()} ORDER BY "id" LIMIT 500`;
    return rows.map((row) => ({ id: Number(row.id), event_ids: JSON.parse(row.event_ids) as number[] }));
  }

  /** Cluster mode: deletes outbox rows whose broadcast the bus has taken. */
  async clearOutbox(ids: number[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 10_000) {
      const some = ids.slice(i, i + 10_000);
      await this.writer.transaction((m) =>
        m.createQueryBuilder().delete().from('events_outbox').where('"id" IN (:...some)', { some }).execute(),
      );
    }
  }

  /** These events, in id order (those deleted since are left out). */
  async byIds(ids: number[]): Promise<LoggedEvent[]> {
    if (!ids.length) return [];
    return (await this.select().where('e.id IN (:...ids)', { ids }).orderBy('e.id').getRawMany<EventRow>()).map(
      toEvent,
    );
  }

  private select() {
    return this.db
      .getRepository(EventRecord)
      .createQueryBuilder('e')
      .select('e.id', 'id')
      .addSelect('e.timestamp', 'timestamp')
      .addSelect('e.event_type', 'type')
      .addSelect('e.agent_id', 'agent_id')
      .addSelect('e.data', 'data');
  }

  /**
   * How many events of each of `types` are dated in [since, until], for one agent or all: one indexed
   * range (type or agent, then time), so its cost follows the window, not the history.
   */
  async countByType(types: string[], since: Date, until: Date, agentId?: string): Promise<Record<string, number>> {
    const query = this.db
      .getRepository(EventRecord)
      .createQueryBuilder('e')
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
