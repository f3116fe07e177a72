import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AgentsModule } from './agents/agents.module';
import { AlertsModule } from './alerts/alerts.module';
import { BackupsModule } from './backups/backups.module';
import { ClusterModule } from './cluster/cluster.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { createValidationPipe } from './common/validation';
import { ControlModule } from './control/control.module';
import { DashboardModule } from './dashboard/dashboard.module';
import { EventsModule } from './events/events.module';
import { EventsService } from './events/events.service';
import { FilesModule } from './files/files.module';
import { GatewaysModule } from './gateways/gateways.module';
import { foundationModules } from './foundation';
import { HealthModule } from './health/health.module';
import { LoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { NotificationsModule } from './notifications/notifications.module';
import { NotificationsService } from './notifications/notifications.service';
import { WebhooksService } from './notifications/webhooks.service';
import { OpenClawModule } from './openclaw/openclaw.module';
import { RealtimeModule } from './realtime/realtime.module';
import { StatusModule } from './status/status.module';
import { TasksModule } from './tasks/tasks.module';
import { WorkspaceModule } from './workspace/workspace.module';

@Module({})
export class AppModule {
  /**
   * The whole application. Configuration is read from the environment when this is called,
   * so each test can boot the app with its own settings.
   */
  static forRoot(): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...foundationModules(),
        LoggingModule.forRoot(),
        ClusterModule.forRoot({ imports: [EventsModule], events: EventsService }),
        WorkspaceModule,
        OpenClawModule,
        GatewaysModule,
        ControlModule,
        AgentsModule,
        EventsModule,
        MetricsModule,
        RealtimeModule,
        BackupsModule,
        FilesModule,
        DashboardModule,
        TasksModule,
        HealthModule,
        StatusModule,
        NotificationsModule,
        AlertsModule.forRoot({
          imports: [NotificationsModule],
          notifier: NotificationsService,
          channels: WebhooksService,
        }),
      ],
      providers: [
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
      ],
    };
  }
}
