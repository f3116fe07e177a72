import { Injectable, Logger } from '@nestjs/common';
import { setImmediate as yieldToRequests } from 'node:timers/promises';
import { AppConfig } from '../config/environment';
import { EventsService } from '../events/events.service';
import { MetricsRepository } from './metrics.repository';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const ROLLUP_RETENTION_DAYS = 90;

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
    private readonly metrics: MetricsRepository,
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
    result.rollups_deleted = await this.metrics.deleteRollupsBefore(now - ROLLUP_RETENTION_DAYS * DAY_MS);
    this.logger.log(
      `Retention: ${result.hours_rolled_up} hours rolled up, ${result.events_deleted} events and ${result.rollups_deleted} old rollups deleted`,
    );
    return result;
  }

  private async oldestRawHour(): Promise<number | null> {
    const oldest = await this.metrics.oldestRawTimestamp();
    return oldest === null ? null : floorHour(Date.parse(oldest));
  }

  /** An hour is rolled up whole, once, in a transaction of its own. */
  private rollUpHour(hour: number): Promise<void> {
    return this.metrics.rollUp(new Date(hour).toISOString(), new Date(hour + HOUR_MS).toISOString());
  }
}

function floorHour(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}
