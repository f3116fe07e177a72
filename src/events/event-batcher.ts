import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DatabaseWriter } from '../database/database-writer';
import { LoggedEvent } from '../domain-events';

export type NewEvent = Omit<LoggedEvent, 'id'>;

interface Waiting {
  rows: NewEvent[];
  resolve: (stored: LoggedEvent[]) => void;
  reject: (error: unknown) => void;
}

/** Rows per INSERT statement: 4 parameters each, well under SQLite's parameter limit. */
const ROWS_PER_STATEMENT = 500;

/**
 * Group commit for the event log. Requests that arrive while a transaction is being written wait
 * and are then written together in the next one, so a burst of single-event requests costs a few
 * transactions rather than one each. Every caller is answered only after its rows are committed.
 */
@Injectable()
export class EventBatcher implements OnModuleDestroy {
  private waiting: Waiting[] = [];
  private draining: Promise<void> | null = null;

  constructor(private readonly writer: DatabaseWriter) {}

  append(rows: NewEvent[]): Promise<LoggedEvent[]> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ rows, resolve, reject });
      this.draining ??= this.drain().finally(() => (this.draining = null));
    });
  }

  /** Finishes what was accepted before the database closes. */
  async onModuleDestroy(): Promise<void> {
    await this.draining;
  }

  private async drain(): Promise<void> {
    while (this.waiting.length) {
      const group = this.waiting;
      this.waiting = [];
      try {
        const stored = await this.writer.transaction((m) => insertEvents(m, group.flatMap((w) => w.rows)));
        let offset = 0;
        for (const w of group) {
          w.resolve(stored.slice(offset, offset + w.rows.length));
          offset += w.rows.length;
        }
      } catch (error) {
        for (const w of group) w.reject(error);
      }
    }
  }
}

async function insertEvents(manager: EntityManager, rows: NewEvent[]): Promise<LoggedEvent[]> {
  const stored: LoggedEvent[] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
    const params = chunk.flatMap((r) => [r.timestamp, r.type, r.agent_id, JSON.stringify(r.data)]);
    const values = chunk.map(() => '(?, ?, ?, ?)').join(', ');
    // SQLite gives one connection's multi-row INSERT consecutive ids; the driver returns the last.
    const lastId: number = await manager.query(`INSERT INTO "events" ("timestamp", "event_type", "agent_id", "data") VALUES ${values}`, params);
    chunk.forEach((row, j) => stored.push({ id: lastId - chunk.length + 1 + j, ...row }));
  }
  return stored;
}
