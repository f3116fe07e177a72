import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AppConfig } from '../config/environment';
import { DomainEventBus } from './domain-event-bus';

/** What every feature module may use without importing it. */
@Global()
@Module({
  providers: [DomainEventBus, { provide: AppConfig, useExisting: ConfigService }],
  exports: [DomainEventBus, AppConfig],
})
export class CommonModule {}
