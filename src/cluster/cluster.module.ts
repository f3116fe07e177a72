import { DynamicModule, Module, ModuleMetadata, Type } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { DOMAIN_EVENT_FILTER } from '../common/domain-event-bus';
import { ClusterService } from './cluster.service';
import { LeaderOnlyEvents, LeaderOnlyRegistry } from './leader-only.registry';
import { OutboxModule } from './outbox.module';
import { EVENT_STORE, EventStore, OutboxSweeper } from './outbox-sweeper';
import { ScheduledRunsRepository } from './scheduled-runs.repository';
import { SharedView } from './shared-view';

/**
 * Leadership, the event bus and the cluster's members, for every module of the app (see
 * ClusterService); the command line is no member. Which work runs only on the leader is declared
 * with `@LeaderOnly` and `@LeaderWork` (leader-only.ts) and run by LeaderOnlyRegistry.
 */
@Module({})
export class ClusterModule {
  /**
   * `events`, a provider of one of `imports`, gives the outbox sweeper the events to broadcast again:
   * the app's composition names it, so that this floor imports no feature.
   */
  static forRoot(options: { imports: ModuleMetadata['imports']; events: Type<EventStore> }): DynamicModule {
    return {
      module: ClusterModule,
      global: true,
      imports: [...(options.imports ?? []), OutboxModule, DiscoveryModule],
      providers: [
        ClusterService,
        ScheduledRunsRepository,
        OutboxSweeper,
        SharedView,
        LeaderOnlyRegistry,
        { provide: DOMAIN_EVENT_FILTER, useClass: LeaderOnlyEvents },
        { provide: EVENT_STORE, useExisting: options.events },
      ],
      exports: [ClusterService, SharedView, DOMAIN_EVENT_FILTER],
    };
  }
}
