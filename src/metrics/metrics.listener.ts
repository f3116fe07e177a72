import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { DomainEvent, MetricsCollectedEvent } from '../contracts/domain-events';
import { PrometheusService } from './prometheus.service';

/** A collection: Prometheus shows its fleet figures and how long it took. */
@Injectable()
export class MetricsMetricsListener {
  constructor(private readonly prometheus: PrometheusService) {}

  @OnEvent(DomainEvent.MetricsCollected)
  onCollected({ system, duration_ms }: MetricsCollectedEvent): void {
    this.prometheus.showCollection(system, duration_ms);
  }
}
