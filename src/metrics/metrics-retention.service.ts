import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { setImmediate as yieldToRequests } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/environment';
import { DatabaseWriter } from '../database/database-writer';
import { deleteInBatches } from '../database/delete-in-batches';
import { EventsService } from '../events/events.service';
import { AGENT_FIGURES, columnsSql, figureNames, Rollup, rollupSql, SYSTEM_FIGURES } from './metric-fields';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const ROLLUP_RETENTION_DAYS = 90;

/** An hour of rows becomes one, dated by its first timestamp, with how many rows it summarises. */
const AGENT_ROLLUP = `"agent_id", MIN("timestamp"), COUNT(*), ${rollupSql(AGENT_FIGURES)}`;
const AGENT_COLUMNS = `"agent_id", "timestamp", "samples", ${columnsSql(AGENT_FIGURES)}`;
const SYSTEM_ROLLUP = `MIN("timestamp"), COUNT(*), ${rollupSql(SYSTEM_FIGURES)}`;
const SYSTEM_COLUMNS = `"timestamp", "samples", ${columnsSql(SYSTEM_FIGURES)}`;
/** Raw rows that turn up for an hour already rolled up (a restored backup, say) replace its rollup. */
const replaceRollup = (figures: Record<string, Rollup>) =>
  ['samples', ...figureNames(figures)].map((name) => `"${name}" = excluded."${name}"`).join(', ');
const AGENT_REPLACE = replaceRollup(AGENT_FIGURES);
const SYSTEM_REPLACE = replaceRollup(SYSTEM_FIGURES);

export interface PruneResult {
  hours_rolled_up: number;
  events_deleted: number;
  rollups_deleted: number;
}

/**
 * Keeps the database to its retention: raw metric rows older than MC_METRICS_RETENTION days are
 * rolled up into hourly rows (kept 90 days) and deleted, one hour per transaction; events older
 * than MC_EVENTS_RETENTION days are deleted in small batches. Each step is a transaction of its own,
 * so a crash leaves every hour either rolled up or still raw.
 */
@Injectable()
export class MetricsRetentionService {
  private readonly logger = new Logger(MetricsRetentionService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly writer: DatabaseWriter,
    private readonly config: AppConfig,
    private readonly events: EventsService,
  ) {}

  async prune(now = Date.now()): Promise<PruneResult> {
    const metricsCutoff = floorHour(now - this.config.get('MC_METRICS_RETENTION', { infer: true }) * DAY_MS);
    const result = { hours_rolled_up: 0, events_deleted: 0, rollups_deleted: 0 };
    for (
      let hour = await this.oldestRawHour();
      hour !== null && hour < metricsCutoff;
      hour = await this.oldestRawHour()
    ) {
      await this.rollUpHour(hour);
      result.hours_rolled_up++;
      await yieldToRequests();
    }
    result.events_deleted = await this.events.deleteOlderThan(
      now - this.config.get('MC_EVENTS_RETENTION', { infer: true }) * DAY_MS,
    );
    result.rollups_deleted =
      (await deleteInBatches(this.writer, 'agent_metrics_hourly', now - ROLLUP_RETENTION_DAYS * DAY_MS)) +
      (await deleteInBatches(this.writer, 'system_metrics_hourly', now - ROLLUP_RETENTION_DAYS * DAY_MS));
    this.logger.log(
      `Retention: ${result.hours_rolled_up} hours rolled up, ${result.events_deleted} events and ${result.rollups_deleted} old rollups deleted`,
    );
    return result;
  }

  private async oldestRawHour(): Promise<number | null> {
    const [row] = await this.db.query(
      'SELECT MIN("t") AS "oldest" FROM (SELECT MIN("timestamp") AS "t" FROM "agent_metrics" UNION ALL SELECT MIN("timestamp") FROM "system_metrics") AS "oldest_rows"',
    );
    return row.oldest === null ? null : floorHour(Date.parse(row.oldest));
  }

  private async rollUpHour(hour: number): Promise<void> {
    const from = new Date(hour).toISOString();
    const to = new Date(hour + HOUR_MS).toISOString();
    // Column lists are spliced as text (functions, in TypeORM's sql tag); the hour's bounds are parameters.
    const text = (fragment: string) => () => fragment;
    await this.writer.transaction(async (m) => {
      // An hour is rolled up whole, once; its rollup keeps the hour's first timestamp.
      await m.sql`INSERT INTO "agent_metrics_hourly" (${text(AGENT_COLUMNS)}) SELECT ${text(AGENT_ROLLUP)} FROM "agent_metrics"
        WHERE "timestamp" >= ${from} AND "timestamp" < ${to} GROUP BY "agent_id"
        ON CONFLICT ("agent_id", "timestamp") DO UPDATE SET ${text(AGENT_REPLACE)}`;
      await m.sql`INSERT INTO "system_metrics_hourly" (${text(SYSTEM_COLUMNS)}) SELECT ${text(SYSTEM_ROLLUP)} FROM "system_metrics"
        WHERE "timestamp" >= ${from} AND "timestamp" < ${to} HAVING COUNT(*) > 0
        ON CONFLICT ("timestamp") DO UPDATE SET ${text(SYSTEM_REPLACE)}`;
      await m.sql`DELETE FROM "agent_metrics" WHERE "timestamp" >= ${from} AND "timestamp" < ${to}`;
      await m.sql`DELETE FROM "system_metrics" WHERE "timestamp" >= ${from} AND "timestamp" < ${to}`;
    });
  }
}

function floorHour(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}
