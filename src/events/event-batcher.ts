import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DatabaseWriter } from '../database/database-writer';
import { insertRows } from '../database/insert-rows';
import { LoggedEvent } from '../domain-events';

export type NewEvent = Omit<LoggedEvent, 'id'>;

interface Waiting {
  rows: NewEvent[];
  resolve: (stored: LoggedEvent[]) => void;
  reject: (error: unknown) => void;
}

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
  const records = rows.map((r) => ({ timestamp: r.timestamp, event_type: r.type, agent_id: r.agent_id, data: JSON.stringify(r.data) }));
  const ids = await insertRows(manager, 'events', ['timestamp', 'event_type', 'agent_id', 'data'], records);
  return rows.map((row, i) => ({ id: ids[i], ...row }));
}
