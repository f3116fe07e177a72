import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AppConfig } from '../config/environment';
import { DiskSpaceService } from './disk-space.service';
import { DomainEventBus } from './domain-event-bus';

/** What every feature module may use without importing it. */
@Global()
@Module({
  providers: [DomainEventBus, DiskSpaceService, { provide: AppConfig, useExisting: ConfigService }],
  exports: [DomainEventBus, DiskSpaceService, AppConfig],
})
export class CommonModule {}
