import { Injectable } from '@nestjs/common';
import { EventsRepository, StoredEvent } from './events.repository';

export type { StoredEvent } from './events.repository';

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

/** Windows of the event log, for the metrics collector (the events table's SQL is in EventsRepository). */
@Injectable()
export class EventWindowService {
  constructor(private readonly events: EventsRepository) {}

  /** The newest event's id; 0 when there is none. */
  lastId(): Promise<number> {
    return this.events.lastId();
  }

  /** The first event dated after `timestamp` (ISO 8601), or null when there is none. */
  firstIdAfter(timestamp: string): Promise<number | null> {
    return this.events.firstIdAfter(timestamp);
  }

  /**
   * One walk of the ids in (fromId, toId]: how many events of each type each agent (null: about no
   * agent) reported, and the mean of their numeric `data.response_time` (null when none has one).
   */
  async summary(fromId: number, toId: number): Promise<WindowSummary> {
    const rows = await this.events.countsInRange(fromId, toId);
    const responses = rows.reduce((sum, row) => sum + Number(row.responses), 0);
    const responseSum = rows.reduce((sum, row) => sum + Number(row.response_sum ?? 0), 0);
    // Figures older versions stored unbounded can sum past a double: no mean rather than an infinite one.
    const average = responses ? responseSum / responses : null;
    return {
      counts: rows.map(({ agent_id, event_type, n }) => ({ agent_id, event_type, n: Number(n) })),
      averageResponseTime: average !== null && Number.isFinite(average) ? average : null,
    };
  }

  /** Visits the events of `types` that name an agent, with ids in the range, in id order, a page at a time. */
  async forEach(range: EventRange, visit: (event: StoredEvent) => void): Promise<void> {
    const { types, since, upToId } = range;
    let after = range.afterId;
    if (since) {
      // A dated range starts at its first event, found through the (type, timestamp) index.
      const first = await this.events.firstIdOfTypesSince(types, since);
      if (first == null) return;
      after = Math.max(after, first - 1);
    }
    while (after < upToId) {
      const page = await this.events.detailPage({ types, after, upToId, since, limit: PAGE_ROWS });
      for (const event of page) visit(event);
      if (page.length < PAGE_ROWS) return;
      after = page[page.length - 1].id;
    }
  }
}
