import { DynamicModule, Module, ModuleMetadata, Type } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EntityManager } from 'typeorm';
import { AgentsModule } from '../agents/agents.module';
import { BackupsModule } from '../backups/backups.module';
import { NOTIFIER, Notifier, WEBHOOK_CHANNELS, WebhookChannels } from '../contracts/notifications';
import { DatabaseModule } from '../database/database.module';
import { EventsModule } from '../events/events.module';
import { HealthModule } from '../health/health.module';
import { MetricsModule } from '../metrics/metrics.module';
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
import { AlertsAlertingListener } from './alerting.listener';
import { AlertsBackupsListener } from './backups.listener';
import { AlertsEventLogListener } from './event-log.listener';
import { AlertsFleetListener } from './fleet.listener';
import { AlertsMetricsListener } from './metrics.listener';
import { RuleFileLoader } from './rule-file.loader';
import { RulesController } from './rules.controller';
import { RulesService } from './rules.service';

/** Alert rules over the fleet's live data, their evaluation, and the alerts they open. AlertsService is its door. */
@Module({})
export class AlertsModule {
  /**
   * `notifier` and `channels`, providers of one of `imports`, keep the notification contract
   * (contracts/notifications.ts): the app's composition names them, so that alerts import nothing of
   * notifications, nor notifications of alerts.
   */
  static forRoot(options: {
    imports: ModuleMetadata['imports'];
    notifier: Type<Notifier<EntityManager>>;
    channels: Type<WebhookChannels>;
  }): DynamicModule {
    return {
      module: AlertsModule,
      imports: [
        DatabaseModule,
        TypeOrmModule.forFeature([AlertRule, Alert]),
        AgentsModule,
        OpenClawModule,
        EventsModule,
        BackupsModule,
        HealthModule,
        MetricsModule,
        ...(options.imports ?? []),
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
        AlertsFleetListener,
        AlertsEventLogListener,
        AlertsMetricsListener,
        AlertsBackupsListener,
        AlertsAlertingListener,
        { provide: NOTIFIER, useExisting: options.notifier },
        { provide: WEBHOOK_CHANNELS, useExisting: options.channels },
      ],
      exports: [AlertsService],
    };
  }
}
