import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { DomainEvent, EventsLoggedEvent } from '../contracts/domain-events';
import { PrometheusService } from './prometheus.service';

/** Logged events: Prometheus counts them by type, and the plugin's usage reports. */
@Injectable()
export class MetricsEventLogListener {
  constructor(private readonly prometheus: PrometheusService) {}

  @OnEvent(DomainEvent.EventsLogged)
  onEventsLogged({ events }: EventsLoggedEvent): void {
    this.prometheus.countEvents(events);
  }
}
