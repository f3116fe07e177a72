import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { DomainEvent, MetricsCollectedEvent } from '../contracts/domain-events';
import * as build from './messages';
import { RealtimeGateway } from './realtime.gateway';

/** A collection's fleet figures as the gateway's system_metric broadcasts. */
@Injectable()
export class RealtimeMetricsListener {
  constructor(private readonly gateway: RealtimeGateway) {}

  @OnEvent(DomainEvent.MetricsCollected)
  onMetricsCollected(event: MetricsCollectedEvent): void {
    this.gateway.broadcast(build.fromMetricsCollected(event));
  }
}
