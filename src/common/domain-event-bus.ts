import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DomainEventName, DomainEventPayloads } from '../domain-events';

/** The one way services emit domain events, typed by the event map. */
@Injectable()
export class DomainEventBus {
  constructor(private readonly emitter: EventEmitter2) {}

  emit<K extends DomainEventName>(name: K, payload: DomainEventPayloads[K]): void {
    this.emitter.emit(name, payload);
  }
}
