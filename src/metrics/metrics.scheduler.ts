import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Cron, SchedulerRegistry } from '@nestjs/schedule';
import { slotJob, slotsOf } from '../config/schedule-slots';
import { LeaderOnly, LeaderWork, LeadershipHooks } from '../cluster/leader-only';
import { AppConfig } from '../config/environment';
import { CollectionStopped, MetricsCollectorService } from './metrics-collector.service';
import { MetricsRetentionService } from './metrics-retention.service';

/**
 * When the pipeline runs: a collection every MC_METRICS_INTERVAL seconds, the retention prune nightly;
 * in a cluster, on the leader, once per slot.
 */
@Injectable()
@LeaderWork()
export class MetricsScheduler implements OnApplicationBootstrap, LeadershipHooks {
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
    this.registry.addCronJob(
      'metrics-collection',
      slotJob(slots, (slot) => void this.collect(slot)),
    );
  }

  /** A leader that led before and lost it resumes from what the others stored meanwhile. */
  async startLeading(): Promise<void> {
    await this.collector.forget();
  }

  @LeaderOnly({ job: 'metrics-collection' })
  async collect(_slot: Date): Promise<void> {
    try {
      await this.collector.collect();
    } catch (error) {
      if (error instanceof CollectionStopped) this.logger.log(error.message);
      else this.logger.error(`Metrics collection failed: ${(error as Error).message}`);
    }
  }

  @Cron('0 30 3 * * *', { name: 'metrics-retention' })
  @LeaderOnly({ job: 'metrics-retention' })
  async prune(): Promise<void> {
    try {
      await this.retention.prune();
    } catch (error) {
      this.logger.error(`Retention prune failed: ${(error as Error).message}`);
    }
  }
}
