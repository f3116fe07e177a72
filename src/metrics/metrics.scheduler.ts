import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Cron, SchedulerRegistry } from '@nestjs/schedule';
import { slotJob, slotsOf } from '../common/schedule-slots';
import { AppConfig } from '../config/environment';
import { MetricsCollectorService } from './metrics-collector.service';
import { MetricsRetentionService } from './metrics-retention.service';

/** When the pipeline runs: a collection every MC_METRICS_INTERVAL seconds, the retention prune nightly. */
@Injectable()
export class MetricsScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(MetricsScheduler.name);

  constructor(
    private readonly collector: MetricsCollectorService,
    private readonly retention: MetricsRetentionService,
    private readonly registry: SchedulerRegistry,
    private readonly config: AppConfig,
  ) {}

  /** On wall-clock slots: each minute at second 0 by default (see slotsOf). */
  onApplicationBootstrap(): void {
    const slots = slotsOf(this.config.get('MC_METRICS_INTERVAL', { infer: true }));
    this.registry.addCronJob('metrics-collection', slotJob(slots, () => void this.collect()));
  }

  async collect(): Promise<void> {
    await this.collector.collect().catch((error: Error) => this.logger.error(`Metrics collection failed: ${error.message}`));
  }

  @Cron('0 30 3 * * *', { name: 'metrics-retention' })
  async prune(): Promise<void> {
    await this.retention.prune().catch((error: Error) => this.logger.error(`Retention prune failed: ${error.message}`));
  }
}
