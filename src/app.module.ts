import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ScheduleModule } from '@nestjs/schedule';
import { AgentsModule } from './agents/agents.module';
import { BackupsModule } from './backups/backups.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { ApiTokenMiddleware } from './common/api-token.middleware';
import { CommonModule } from './common/common.module';
import { createValidationPipe } from './common/validation';
import { validateEnvironment } from './config/environment';
import { DashboardModule } from './dashboard/dashboard.module';
import { DatabaseModule } from './database/database.module';
import { EventsModule } from './events/events.module';
import { FilesModule } from './files/files.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { OpenClawModule } from './openclaw/openclaw.module';
import { RealtimeModule } from './realtime/realtime.module';
import { StatusModule } from './status/status.module';
import { TasksModule } from './tasks/tasks.module';
import { WorkspaceModule } from './workspace/workspace.module';

/**
 * What every entry point stands on: validated configuration (read from the environment when this
 * is called), domain events, schedules, the database. The app and the command line both use it.
 */
export function foundationModules() {
  return [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, cache: true, validate: validateEnvironment }),
    EventEmitterModule.forRoot(),
    ScheduleModule.forRoot(),
    CommonModule,
    DatabaseModule,
  ];
}

@Module({})
export class AppModule implements NestModule {
  /**
   * The whole application. Configuration is read from the environment when this is called,
   * so each test can boot the app with its own settings.
   */
  static forRoot(): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...foundationModules(),
        WorkspaceModule,
        OpenClawModule,
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
      ],
      providers: [
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(ApiTokenMiddleware).forRoutes('*');
  }
}
