import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { DatabaseWriter } from '../database/database-writer';
import { insertedIds, insertStatement, rowsPerStatement } from '../database/insert-rows';
import { LoggedEvent } from '../domain-events';

export type NewEvent = Omit<LoggedEvent, 'id'>;

interface Waiting {
  rows: NewEvent[];
  resolve: (stored: LoggedEvent[]) => void;
  reject: (error: unknown) => void;
}

const COLUMNS = ['timestamp', 'event_type', 'agent_id', 'data'] as const;
/** A group is one INSERT statement, which SQLite commits atomically by itself. */
const MAX_GROUP_ROWS = rowsPerStatement(COLUMNS.length);
/**
 * Groups handed to the database at once. With two, the next group is already with the driver while
 * one is written, so the database is not left idle until this thread, busy parsing requests, gets
 * round to answering the last one.
 */
const GROUPS_IN_FLIGHT = 2;

/**
 * Group commit for the event log. Requests that arrive while the database is busy wait and are then
 * written together, so a burst of single-event requests costs a few commits rather than one each.
 * Every caller is answered only after its rows are committed.
 */
@Injectable()
export class EventBatcher implements OnModuleDestroy {
  private waiting: Waiting[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly writer: DatabaseWriter) {}

  append(rows: NewEvent[]): Promise<LoggedEvent[]> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ rows, resolve, reject });
      this.pump();
    });
  }

  /** Finishes what was accepted before the database closes. */
  async onModuleDestroy(): Promise<void> {
    while (this.inFlight.size) await Promise.all(this.inFlight);
  }

  private pump(): void {
    while (this.inFlight.size < GROUPS_IN_FLIGHT && this.waiting.length) {
      const written: Promise<void> = this.write(this.takeGroup()).finally(() => {
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
    while (count < this.waiting.length && (count === 0 || rows + this.waiting[count].rows.length <= MAX_GROUP_ROWS)) {
      rows += this.waiting[count++].rows.length;
    }
    return this.waiting.splice(0, count);
  }

  private async write(group: Waiting[]): Promise<void> {
    const rows = group.flatMap((w) => w.rows);
    const records = rows.map((r) => ({ timestamp: r.timestamp, event_type: r.type, agent_id: r.agent_id, data: JSON.stringify(r.data) }));
    try {
      const ids = insertedIds(await this.writer.statement<number>(...insertStatement('events', COLUMNS, records)), rows.length);
      let offset = 0;
      for (const w of group) {
        w.resolve(w.rows.map((row) => ({ id: ids[offset++], ...row })));
      }
    } catch (error) {
      for (const w of group) w.reject(error);
    }
  }
}
