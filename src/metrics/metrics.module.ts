import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module';
import { AgentsModule } from '../agents/agents.module';
import { EventsModule } from '../events/events.module';
import { OpenClawModule } from '../openclaw/openclaw.module';
import { WorkspaceModule } from '../workspace/workspace.module';
import { MetricsCollectorService } from './metrics-collector.service';
import { MetricsRetentionService } from './metrics-retention.service';
import { MetricsController } from './metrics.controller';
import { MetricsScheduler } from './metrics.scheduler';
import { MetricsService } from './metrics.service';
import { PrometheusService } from './prometheus.service';

@Module({
  imports: [DatabaseModule, WorkspaceModule, AgentsModule, OpenClawModule, EventsModule],
  controllers: [MetricsController],
  providers: [MetricsService, MetricsCollectorService, MetricsRetentionService, MetricsScheduler, PrometheusService],
  exports: [MetricsCollectorService, MetricsRetentionService, MetricsService, PrometheusService],
})
export class MetricsModule {}
