import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AgentsModule } from '../agents/agents.module';
import { BackupsModule } from '../backups/backups.module';
import { DatabaseModule } from '../database/database.module';
import { EventsModule } from '../events/events.module';
import { HealthModule } from '../health/health.module';
import { MetricsModule } from '../metrics/metrics.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { OpenClawModule } from '../openclaw/openclaw.module';
import { AlertClock } from './alert-clock';
import { AlertEvaluator } from './alert-evaluator.service';
import { AlertRule } from './alert-rule.entity';
import { Alert } from './alert.entity';
import { AlertsController } from './alerts.controller';
import { AlertsMetrics } from './alerts.metrics';
import { AlertsService } from './alerts.service';
import { AgentKinds } from './evaluators/agent-kinds';
import { CostBudgets } from './evaluators/cost-budget';
import { EventKinds } from './evaluators/event-kinds';
import { ServiceKinds } from './evaluators/service-kinds';
import { RuleFileLoader } from './rule-file.loader';
import { RulesController } from './rules.controller';
import { RulesService } from './rules.service';

/** Alert rules over the fleet's live data, their evaluation, and the alerts they open. AlertsService is its door. */
@Module({
  imports: [
    DatabaseModule,
    TypeOrmModule.forFeature([AlertRule, Alert]),
    AgentsModule,
    OpenClawModule,
    EventsModule,
    BackupsModule,
    HealthModule,
    MetricsModule,
    NotificationsModule,
  ],
  controllers: [RulesController, AlertsController],
  providers: [
    RulesService,
    RuleFileLoader,
    AlertsService,
    AlertClock,
    AlertEvaluator,
    AgentKinds,
    EventKinds,
    CostBudgets,
    ServiceKinds,
    AlertsMetrics,
  ],
  exports: [AlertsService],
})
export class AlertsModule {}
