import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { DomainEvent, EventsLoggedEvent } from '../contracts/domain-events';
import * as build from './messages';
import { RealtimeGateway } from './realtime.gateway';

/** Logged events as the gateway's activity broadcasts; republished ones are those another instance could not send. */
@Injectable()
export class RealtimeEventLogListener {
  constructor(private readonly gateway: RealtimeGateway) {}

  @OnEvent(DomainEvent.EventsLogged)
  @OnEvent(DomainEvent.EventsRepublished)
  onEventsLogged({ events, outbox }: EventsLoggedEvent): void {
    this.gateway.broadcast(events.flatMap(build.fromLoggedEvent), outbox);
  }
}
