import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { AgentRemovedEvent, AgentUpdatedEvent, DomainEvent } from '../domain-events';
import { EventsService } from './events.service';

/** Writes what Mission Control sees in the workspace into the event log. */
@Injectable()
export class EventsListener {
  constructor(private readonly events: EventsService) {}

  @OnEvent(DomainEvent.AgentUpdated)
  async onAgentUpdated({ agent, previous }: AgentUpdatedEvent): Promise<void> {
    if (previous?.status === agent.status) return;
    await this.events.log('status_changed', agent.id, {
      from: previous?.status ?? null,
      to: agent.status,
      raw_status: agent.raw_status,
      source: 'workspace',
    });
  }

  @OnEvent(DomainEvent.AgentRemoved)
  async onAgentRemoved({ agent }: AgentRemovedEvent): Promise<void> {
    await this.events.log('status_changed', agent.id, { from: agent.status, to: 'offline', raw_status: null, source: 'workspace', removed: true });
  }
}
