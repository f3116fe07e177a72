import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import {
  AgentRemovedEvent,
  AgentUpdatedEvent,
  DomainEvent,
  OfficeUpdatedEvent,
  SessionStuckEvent,
  SessionUpdatedEvent,
  TasksUpdatedEvent,
} from '../contracts/domain-events';
import * as build from './messages';
import { RealtimeGateway } from './realtime.gateway';

/** The fleet's events as the gateway's broadcasts (see messages.ts for their shapes). */
@Injectable()
export class RealtimeFleetListener {
  constructor(private readonly gateway: RealtimeGateway) {}

  @OnEvent(DomainEvent.AgentUpdated)
  onAgentUpdated(event: AgentUpdatedEvent): void {
    this.gateway.broadcast(build.fromAgentUpdated(event));
  }

  @OnEvent(DomainEvent.AgentRemoved)
  onAgentRemoved(event: AgentRemovedEvent): void {
    this.gateway.broadcast(build.fromAgentRemoved(event));
  }

  @OnEvent(DomainEvent.OfficeUpdated)
  onOfficeUpdated({ office }: OfficeUpdatedEvent): void {
    this.gateway.broadcast([build.agentPosition(office)]);
  }

  @OnEvent(DomainEvent.TasksUpdated)
  onTasksUpdated(event: TasksUpdatedEvent): void {
    this.gateway.broadcast(build.fromTasksUpdated(event));
  }

  @OnEvent(DomainEvent.SessionUpdated)
  onSessionUpdated(event: SessionUpdatedEvent): void {
    this.gateway.broadcast(build.fromSessionUpdated(event));
  }

  @OnEvent(DomainEvent.SessionStuck)
  onSessionStuck(event: SessionStuckEvent): void {
    this.gateway.broadcast(build.fromSessionStuck(event));
  }
}
