import { DataSource } from 'typeorm';
import { EventRecord } from '../events/event.entity';

/** An event as the collector reads it, its data still JSON text. */
export interface StoredEvent {
  id: number;
  timestamp: string;
  event_type: string;
  agent_id: string;
  data: string;
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
 * Visits the events of `types` that name an agent, with ids in the range, in id order, a page at a
 * time. The type is compared as an expression so that SQLite walks the id range rather than the
 * type index over the whole history and a sort.
 */
export async function forEachEvent(db: DataSource, range: EventRange, visit: (event: StoredEvent) => void): Promise<void> {
  const { types, since, upToId } = range;
  const events = () => db.getRepository(EventRecord).createQueryBuilder('e');
  let after = range.afterId;
  if (since) {
    // A dated range starts at its first event, found through the (type, timestamp) index.
    const first = await events().select('MIN(e.id)', 'id').where('e.event_type IN (:...types)', { types }).andWhere('e.timestamp >= :since', { since }).getRawOne<{ id: number | null }>();
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
