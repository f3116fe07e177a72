import { Inject, Injectable, Optional } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DomainEventName, DomainEventPayloads } from '../contracts/domain-events';

/** Which events this process emits; the cluster module provides one (a follower leaves the leader's to it). */
export interface DomainEventFilter {
  emits(name: DomainEventName): boolean;
}

export const DOMAIN_EVENT_FILTER = Symbol('DomainEventFilter');

/** The one way services emit domain events, typed by the event map. */
@Injectable()
export class DomainEventBus {
  constructor(
    private readonly emitter: EventEmitter2,
    // The command line has no cluster, and emits everything.
    @Optional() @Inject(DOMAIN_EVENT_FILTER) private readonly filter?: DomainEventFilter,
  ) {}

  emit<K extends DomainEventName>(name: K, payload: DomainEventPayloads[K]): void {
    if (this.filter && !this.filter.emits(name)) return;
    this.emitter.emit(name, payload);
  }
}
