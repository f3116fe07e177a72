import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { AlertChangedEvent, DomainEvent } from '../contracts/domain-events';
import * as build from './messages';
import { RealtimeGateway } from './realtime.gateway';

/** Alert changes as the gateway's alert_update and notification broadcasts. */
@Injectable()
export class RealtimeAlertingListener {
  constructor(private readonly gateway: RealtimeGateway) {}

  @OnEvent(DomainEvent.AlertChanged)
  onAlertChanged(event: AlertChangedEvent): void {
    this.gateway.broadcast(build.fromAlertChanged(event));
  }
}
