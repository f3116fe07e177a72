import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { DomainEvent, EventsLoggedEvent } from '../contracts/domain-events';
import { AlertEvaluator } from './alert-evaluator.service';

/** Logged events: the rules that count them are evaluated again. */
@Injectable()
export class AlertsEventLogListener {
  constructor(private readonly evaluator: AlertEvaluator) {}

  @OnEvent(DomainEvent.EventsLogged)
  onEventsLogged({ events }: EventsLoggedEvent): void {
    this.evaluator.eventsLogged(events);
  }
}
