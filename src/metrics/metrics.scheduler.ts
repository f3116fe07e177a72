import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Cron, SchedulerRegistry } from '@nestjs/schedule';
import { slotJob, slotsOf } from '../config/schedule-slots';
import { ClusterService } from '../cluster/cluster.service';
import { AppConfig } from '../config/environment';
import { CollectionStopped, MetricsCollectorService } from './metrics-collector.service';
import { MetricsRetentionService } from './metrics-retention.service';

/**
 * When the pipeline runs: a collection every MC_METRICS_INTERVAL seconds, the retention prune nightly;
 * in a cluster, on the leader, once per slot (ClusterService.claim).
 */
@Injectable()
export class MetricsScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(MetricsScheduler.name);

  constructor(
    private readonly collector: MetricsCollectorService,
    private readonly retention: MetricsRetentionService,
    private readonly registry: SchedulerRegistry,
    private readonly config: AppConfig,
    private readonly cluster: ClusterService,
  ) {}

  /** On wall-clock slots: each minute at second 0 by default (see slotsOf). */
  onApplicationBootstrap(): void {
    const slots = slotsOf(this.config.get('MC_METRICS_INTERVAL', { infer: true }));
    this.registry.addCronJob(
      'metrics-collection',
      slotJob(slots, (slot) => void this.collect(slot)),
    );
    // A leader that led before and lost it resumes from what the others stored meanwhile.
    this.cluster.whenLeadershipChanges((leader) => leader && void this.collector.forget());
  }

  async collect(slot: Date): Promise<void> {
    try {
      if (await this.cluster.claim('metrics-collection', slot)) await this.collector.collect();
    } catch (error) {
      if (error instanceof CollectionStopped) this.logger.log(error.message);
      else this.logger.error(`Metrics collection failed: ${(error as Error).message}`);
    }
  }

  @Cron('0 30 3 * * *', { name: 'metrics-retention' })
  async prune(): Promise<void> {
    try {
      if (await this.cluster.claim('metrics-retention', new Date(Math.round(Date.now() / 60_000) * 60_000)))
        await this.retention.prune();
    } catch (error) {
      this.logger.error(`Retention prune failed: ${(error as Error).message}`);
    }
  }
}
