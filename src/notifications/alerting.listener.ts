import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { DomainEvent } from '../contracts/domain-events';
import { DeliveryWorker } from './delivery.worker';

/** An alert changed: the notifications committed with it are sent now rather than at the worker's next look. */
@Injectable()
export class NotificationsAlertingListener {
  constructor(private readonly worker: DeliveryWorker) {}

  @OnEvent(DomainEvent.AlertChanged)
  onAlertChanged(): void {
    this.worker.deliverNow();
  }
}
