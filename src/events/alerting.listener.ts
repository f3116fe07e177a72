import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { AlertChangedEvent, DomainEvent } from '../contracts/domain-events';
import { EventsService } from './events.service';

/** Alerts fired, resolved and acknowledged, in the event log. */
@Injectable()
export class EventsAlertingListener {
  constructor(private readonly events: EventsService) {}

  /** alert_fired, alert_resolved, alert_acked: about the alert's agent when it is about one. */
  @OnEvent(DomainEvent.AlertChanged)
  async onAlertChanged({ change, alert, agent_id: agentId }: AlertChangedEvent): Promise<void> {
    const { id: alert_id, rule_id, rule_name, subject, severity, value, message, acked_by, ack_note } = alert;
    const ack = change === 'acked' ? { acked_by, ack_note } : {};
    await this.events.log(`alert_${change}`, agentId, {
      alert_id,
      rule_id,
      rule_name,
      subject,
      severity,
      value,
      message,
      ...ack,
    });
  }
}
