import { Injectable, Logger } from '@nestjs/common';
import { DomainEventBus } from '../common/domain-event-bus';
import { DomainEvent, LoggedEvent } from '../contracts/domain-events';
import { CreateEventDto } from './dto/create-event.dto';
import { EVENT_TYPE_PATTERN } from '../contracts/ids';
import { EventPageDto } from './dto/event.dto';
import { EventQuery } from './dto/event-query.dto';
import { EventBatcher, NewEvent } from './event-batcher';
import { EventsRepository } from './events.repository';

/** The event log: what agents report and what Mission Control itself notices. */
@Injectable()
export class EventsService {
  private readonly logger = new Logger(EventsService.name);

  constructor(
    private readonly batcher: EventBatcher,
    private readonly bus: DomainEventBus,
    private readonly events: EventsRepository,
  ) {}

  /** Group commits of the event log since start: events per commit is how many requests were written together. */
  get commits(): number {
    return this.batcher.commits;
  }

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
  loggedCount(): Promise<number> {
    return this.events.lastIssuedId();
  }

  /**
   * Deletes the events dated before `before` (ms), in small batches; returns how many (see MetricsRetentionService).
   */
  deleteOlderThan(before: number): Promise<number> {
    return this.events.deleteOlderThan(before);
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
    const { items, next_cursor } = await this.events.page(q);
    return { events: items, next_cursor };
  }

  /** These events, in id order (those deleted since are left out). */
  byIds(ids: number[]): Promise<LoggedEvent[]> {
    return this.events.byIds(ids);
  }

  /**
   * How many events of each of `types` are dated in [since, until], for one agent or all: one indexed
   * range (type or agent, then time), so its cost follows the window, not the history.
   */
  countByType(types: string[], since: Date, until: Date, agentId?: string): Promise<Record<string, number>> {
    return this.events.countByType(types, since, until, agentId);
  }
}
