import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { DomainEvent, WebhookDeletedEvent } from '../contracts/domain-events';
import { RulesService } from './rules.service';

/** A webhook channel was deleted: rules stop naming it. */
@Injectable()
export class AlertsAlertingListener {
  constructor(private readonly rules: RulesService) {}

  @OnEvent(DomainEvent.WebhookDeleted)
  onWebhookDeleted({ channel_id }: WebhookDeletedEvent): Promise<void> {
    return this.rules.channelDeleted(channel_id);
  }
}
