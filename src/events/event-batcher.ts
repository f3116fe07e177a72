import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../config/environment';
import { DatabaseWriter } from '../database/database-writer';
import { jsonOf } from '../common/json';
import { OutboxRepository } from '../cluster/outbox.repository';
import { LoggedEvent } from '../contracts/domain-events';
import { EventInsert, EVENTS_PER_STATEMENT, EventsRepository } from './events.repository';

export type NewEvent = Omit<LoggedEvent, 'id'>;

export interface Appended {
  events: LoggedEvent[];
  /** Cluster mode: the request's outbox row, committed with its events. */
  outbox: number | null;
}

interface Waiting {
  rows: NewEvent[];
  /** The rows as inserted, their data serialised once. */
  records: EventInsert[];
  /** Length of the serialised data, in characters (bytes, for ASCII). */
  bytes: number;
  resolve: (stored: Appended) => void;
  reject: (error: unknown) => void;
}

/** A group is one INSERT statement, which the database commits atomically by itself. */
const MAX_GROUP_ROWS = EVENTS_PER_STATEMENT;
/**
 * The driver and SQLite each copy a statement's values outside the JavaScript heap, so groups of large
 * events are kept small: at most this much data, or a single request of any size.
 */
const MAX_GROUP_BYTES = 4 * 1024 * 1024;
/**
 * Groups handed to the database at once. One: what arrives while a group is written waits and goes
 * in the next, so groups are larger and commits fewer. With two in flight (the next group already
 * with the driver), the machine spent more on commits than it gained.
 */
const GROUPS_IN_FLIGHT = 1;

/**
 * Group commit for the event log. Requests that arrive while the database is busy wait and are then
 * written together, so a burst of single-event requests costs a few commits rather than one each.
 * Every caller is answered only after its rows are committed. What waits here is bounded by what is
 * let in: event requests by IngestGate (MC_INGEST_MAX_MB), and Mission Control's own events are few.
 */
@Injectable()
export class EventBatcher implements OnModuleDestroy {
  private waiting: Waiting[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private committed = 0;

  /** Cluster mode: each request's events also get an outbox row, in the same transaction (see OutboxSweeper). */
  private readonly outbox: boolean;

  constructor(
    private readonly writer: DatabaseWriter,
    private readonly events: EventsRepository,
    private readonly outboxRows: OutboxRepository,
    config: AppConfig,
  ) {
    this.outbox = Boolean(config.get('MC_REDIS_URL', { infer: true }));
  }

  append(rows: NewEvent[]): Promise<Appended> {
    return new Promise((resolve, reject) => {
      const records = rows.map((r) => ({
        timestamp: r.timestamp,
        event_type: r.type,
        agent_id: r.agent_id,
        data: jsonOf(r.data) ?? '{}',
      }));
      const bytes = records.reduce((sum, r) => sum + r.data.length, 0);
      this.waiting.push({ rows, records, bytes, resolve, reject });
      this.pump();
    });
  }

  /** Groups committed since start: with the events logged, it tells operators how well requests are grouped. */
  get commits(): number {
    return this.committed;
  }

  /** Finishes what was accepted before the database closes. */
  async onModuleDestroy(): Promise<void> {
    while (this.inFlight.size) await Promise.all(this.inFlight);
  }

  private pump(): void {
    while (this.inFlight.size < GROUPS_IN_FLIGHT && this.waiting.length) {
      const written: Promise<void> = this.write(this.takeGroup(), () => {
        this.inFlight.delete(written);
        this.pump();
      });
      this.inFlight.add(written);
    }
  }

  /** The waiting requests, oldest first, that fit in one statement (at least one). */
  private takeGroup(): Waiting[] {
    let count = 0;
    let rows = 0;
    let bytes = 0;
    const fits = (w: Waiting) => rows + w.rows.length <= MAX_GROUP_ROWS && bytes + w.bytes <= MAX_GROUP_BYTES;
    while (count < this.waiting.length && (count === 0 || fits(this.waiting[count]))) {
      rows += this.waiting[count].rows.length;
      bytes += this.waiting[count++].bytes;
    }
    return this.waiting.splice(0, count);
  }

  /** Writes a group, calls `written` once the database has answered, then answers the group's requests. */
  private async write(group: Waiting[], written: () => void): Promise<void> {
    const records = group.flatMap((w) => w.records);
    const outcome = await (
      this.outbox
        ? this.writeWithOutbox(group, records)
        : this.events.insert(records).then((ids) => ({ ids, boxes: [] }))
    ).then(
      (stored) => ({ stored }),
      (error: unknown) => ({ error }),
    );
    written();
    // The next group goes to the database before this one's answers are worked out (broadcasts and
    // responses, which run on when a request resumes): answered at once, they kept SQLite's thread
    // waiting for them.
    await new Promise((resolve) => setImmediate(resolve));
    if ('error' in outcome) {
      for (const w of group) w.reject(outcome.error);
      return;
    }
    const { ids, boxes } = outcome.stored;
    this.committed++;
    let offset = 0;
    // Written out rather than { id, ...row }: the spread copy costs several times as much per row.
    const stored = (row: NewEvent): LoggedEvent => ({
      id: ids[offset++],
      timestamp: row.timestamp,
      type: row.type,
      agent_id: row.agent_id,
      data: row.data,
    });
    group.forEach((w, i) => w.resolve({ events: w.rows.map(stored), outbox: boxes[i] ?? null }));
  }

  /** The events and each request's outbox row, in one transaction. */
  private writeWithOutbox(group: Waiting[], records: EventInsert[]): Promise<{ ids: number[]; boxes: number[] }> {
    return this.writer.transaction(async (m) => {
      const ids = await this.events.insertIn(m, records);
      let offset = 0;
      const perRequest = group.map((w) => ids.slice(offset, (offset += w.rows.length)));
      const boxes = await this.outboxRows.insertIn(m, perRequest, new Date().toISOString());
      return { ids, boxes };
    });
  }
}
