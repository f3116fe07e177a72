import { DynamicModule, Module, ModuleMetadata, Type } from '@nestjs/common';
import { DOMAIN_EVENT_FILTER } from '../common/domain-event-bus';
import { ClusterService } from './cluster.service';
import { LeaderOnlyEvents } from './leader-only.registry';
import { OUTBOX_STORE, OutboxSweeper, OutboxStore } from './outbox-sweeper';
import { SharedView } from './shared-view';

/**
 * Leadership, the event bus and the cluster's members, for every module of the app (see
 * ClusterService); the command line is no member. Which work runs only on the leader is declared
 * with `@LeaderOnly` and `@LeaderWork` (leader-only.ts) and run by LeaderOnlyRegistry, which the
 * root module provides so that it starts last and stops first.
 */
@Module({})
export class ClusterModule {
  /**
   * `outbox`, a provider of one of `imports`, keeps the events' outbox: the app's composition names
   * it, so that this floor imports no feature.
   */
  static forRoot(options: { imports: ModuleMetadata['imports']; outbox: Type<OutboxStore> }): DynamicModule {
    return {
      module: ClusterModule,
      global: true,
      imports: options.imports,
      providers: [
        ClusterService,
        OutboxSweeper,
        SharedView,
        { provide: DOMAIN_EVENT_FILTER, useClass: LeaderOnlyEvents },
        { provide: OUTBOX_STORE, useExisting: options.outbox },
      ],
      exports: [ClusterService, SharedView, DOMAIN_EVENT_FILTER],
    };
  }
}
