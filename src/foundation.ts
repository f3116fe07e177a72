import { ConfigModule } from '@nestjs/config';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ScheduleModule } from '@nestjs/schedule';
import { CommonModule } from './common/common.module';
import { validateEnvironment } from './config/environment';
import { DatabaseModule } from './database/database.module';

/**
 * What every entry point stands on: validated configuration (read from the environment when this
 * is called), domain events, schedules, the database. The app and the command line both use it.
 * It lives apart from AppModule so that the command line does not load every feature of the app.
 */
export function foundationModules() {
  return [
    // `.env` (or MC_ENV_FILE) is read by the entry points, before anything reads the environment (config/env-file.ts).
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, cache: true, validate: validateEnvironment }),
    EventEmitterModule.forRoot(),
    ScheduleModule.forRoot(),
    CommonModule,
    DatabaseModule,
  ];
}
