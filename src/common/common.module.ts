import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { AppConfig } from '../config/environment';
import { AccessGuard } from './access';
import { ApiTokens } from './api-tokens';
import { DiskSpaceService } from './disk-space.service';
import { DomainEventBus } from './domain-event-bus';

/** What every feature module may use without importing it, and the role check of every route. */
@Global()
@Module({
  providers: [
    DomainEventBus,
    DiskSpaceService,
    { provide: AppConfig, useExisting: ConfigService },
    ApiTokens,
    { provide: APP_GUARD, useClass: AccessGuard },
  ],
  exports: [DomainEventBus, DiskSpaceService, AppConfig, ApiTokens],
})
export class CommonModule {}
