import { MigrationInterface, QueryRunner, Table, TableColumnOptions } from 'typeorm';

const id = (length = 64): TableColumnOptions => ({
  name: 'id',
  type: 'varchar',
  length: String(length),
  isPrimary: true,
});
const serial: TableColumnOptions = {
  name: 'id',
  type: 'integer',
  isPrimary: true,
  isGenerated: true,
  generationStrategy: 'increment',
};
const text = (name: string, length: number, nullable = false): TableColumnOptions => ({
  name,
  type: 'varchar',
  length: String(length),
  isNullable: nullable,
});
/** ISO 8601 in UTC, like every time column of this database: sorts as text. */
const time = (name: string, nullable = false) => text(name, 32, nullable);

/**
 * Alert rules, the alerts they open, webhook channels, and the outbox of notifications to deliver.
 * Written with TypeORM's Table API.
 */
export class Alerts1764400000000 implements MigrationInterface {
  name = 'Alerts1764400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.createTable(
      new Table({
        name: 'alert_rules',
        columns: [
          id(),
          text('name', 200),
          text('kind', 32),
          { name: 'params', type: 'text' },
          { name: 'enabled', type: 'boolean' },
          text('severity', 16),
          { name: 'cooldown_minutes', type: 'real' },
          { name: 'notify_resolved', type: 'boolean' },
          { name: 'channels', type: 'text' },
          text('managed', 8),
          time('created_at'),
          time('updated_at'),
        ],
      }),
    );
    await db.createTable(
      new Table({
        name: 'alerts',
        columns: [
          serial,
          text('rule_id', 64),
          text('rule_name', 200),
          text('subject', 300),
          text('severity', 16),
          text('state', 16),
          time('started_at'),
          time('resolved_at', true),
          { name: 'value', type: 'real', isNullable: true },
          text('message', 1000),
          time('acked_at', true),
          text('acked_by', 200, true),
          text('ack_note', 1000, true),
          time('last_notified_at'),
        ],
        indices: [
          // The firing alerts, loaded at start; and the last one of a rule and subject, for cooldowns.
          { name: 'idx_alerts_state', columnNames: ['state'] },
          { name: 'idx_alerts_rule_subject', columnNames: ['rule_id', 'subject', 'last_notified_at'] },
          // Pages of the list, newest first.
          { name: 'idx_alerts_started', columnNames: ['started_at', 'id'] },
        ],
      }),
    );
    await db.createTable(
      new Table({
        name: 'webhook_channels',
        columns: [
          id(),
          text('name', 200),
          text('url', 2048),
          text('format', 16),
          text('secret', 512, true),
          { name: 'enabled', type: 'boolean' },
          text('managed', 8),
          time('created_at'),
          time('updated_at'),
        ],
      }),
    );
    await db.createTable(
      new Table({
        name: 'notification_outbox',
        columns: [
          serial,
          text('channel_id', 64),
          { name: 'alert_id', type: 'integer', isNullable: true },
          text('rule_id', 64, true),
          text('event', 16),
          { name: 'payload', type: 'text' },
          text('status', 16),
          { name: 'attempts', type: 'integer', default: 0 },
          { name: 'http_status', type: 'integer', isNullable: true },
          text('last_error', 500, true),
          time('next_attempt_at', true),
          time('created_at'),
          time('last_attempt_at', true),
          time('delivered_at', true),
        ],
        indices: [
          // What the delivery worker sends next.
          { name: 'idx_outbox_status_next', columnNames: ['status', 'next_attempt_at'] },
          // One channel's delivery log, newest first.
          { name: 'idx_outbox_channel', columnNames: ['channel_id', 'id'] },
        ],
      }),
    );
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of ['notification_outbox', 'webhook_channels', 'alerts', 'alert_rules']) await db.dropTable(table);
  }
}
