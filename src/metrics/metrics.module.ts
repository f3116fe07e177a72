import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DatabaseModule } from '../database/database.module';
import { AgentsModule } from '../agents/agents.module';
import { EventsModule } from '../events/events.module';
import { OpenClawModule } from '../openclaw/openclaw.module';
import { WorkspaceModule } from '../workspace/workspace.module';
import { AgentMetric } from './agent-metric.entity';
import { MetricsEventLogListener } from './event-log.listener';
import { MetricsCollectorService } from './metrics-collector.service';
import { MetricsRetentionService } from './metrics-retention.service';
import { MetricsController } from './metrics.controller';
import { MetricsMetricsListener } from './metrics.listener';
import { MetricsRepository } from './metrics.repository';
import { MetricsScheduler } from './metrics.scheduler';
import { MetricsService } from './metrics.service';
import { PrometheusService } from './prometheus.service';
import { SystemMetric } from './system-metric.entity';

@Module({
  imports: [
    DatabaseModule,
    WorkspaceModule,
    AgentsModule,
    OpenClawModule,
    EventsModule,
    TypeOrmModule.forFeature([AgentMetric, SystemMetric]),
  ],
  controllers: [MetricsController],
  providers: [
    MetricsRepository,
    MetricsService,
    MetricsCollectorService,
    MetricsRetentionService,
    MetricsScheduler,
    PrometheusService,
    MetricsEventLogListener,
    MetricsMetricsListener,
  ],
  exports: [MetricsCollectorService, MetricsRetentionService, MetricsService, PrometheusService],
})
export class MetricsModule {}
