import { Injectable, Optional } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { ClusterService } from '../cluster/cluster.service';
import { DomainEventName, DomainEventPayloads, LEADER_ONLY_EVENTS } from '../contracts/domain-events';

/** The one way services emit domain events, typed by the event map. */
@Injectable()
export class DomainEventBus {
  constructor(
    private readonly emitter: EventEmitter2,
    // The app's cluster membership; the command line has none, and emits everything.
    @Optional() private readonly cluster?: ClusterService,
  ) {}

  emit<K extends DomainEventName>(name: K, payload: DomainEventPayloads[K]): void {
    if (this.cluster && !this.cluster.isLeader && LEADER_ONLY_EVENTS.has(name)) return;
    this.emitter.emit(name, payload);
  }
}
