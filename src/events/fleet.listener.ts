import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { AgentRemovedEvent, AgentUpdatedEvent, DomainEvent, SessionStuckEvent } from '../contracts/domain-events';
import { EventsService } from './events.service';

/** The fleet's events the event log records: status changes, removals and stuck sessions. */
@Injectable()
export class EventsFleetListener {
  constructor(private readonly events: EventsService) {}

  /** Real changes only: first sightings (at every start) are not news. */
  @OnEvent(DomainEvent.AgentUpdated)
  async onAgentUpdated({ agent, previous }: AgentUpdatedEvent): Promise<void> {
    if (!previous || previous.status === agent.status) return;
    await this.events.log('status_changed', agent.id, {
      from: previous.status,
      to: agent.status,
      raw_status: agent.raw_status,
      source: agent.sources.join('+'),
    });
  }

  @OnEvent(DomainEvent.SessionStuck)
  async onSessionStuck({ session, idle_minutes }: SessionStuckEvent): Promise<void> {
    await this.events.log('session_stuck', session.agent_id, {
      session_key: session.key,
      session_id: session.session_id,
      idle_minutes,
      source: 'openclaw',
    });
  }

  @OnEvent(DomainEvent.AgentRemoved)
  async onAgentRemoved({ agent }: AgentRemovedEvent): Promise<void> {
    await this.events.log('status_changed', agent.id, {
      from: agent.status,
      to: 'offline',
      raw_status: null,
      source: agent.sources.join('+'),
      removed: true,
    });
  }
}
