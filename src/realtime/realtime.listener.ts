import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import {
  AlertChangedEvent,
  AgentRemovedEvent,
  AgentUpdatedEvent,
  BackupCompletedEvent,
  BackupDeletedEvent,
  BackupFailedEvent,
  BackupRestoredEvent,
  DomainEvent,
  EventsLoggedEvent,
  MetricsCollectedEvent,
  OfficeUpdatedEvent,
  SessionStuckEvent,
  SessionUpdatedEvent,
  TasksUpdatedEvent,
} from '../contracts/domain-events';
import * as build from './messages';
import { RealtimeGateway } from './realtime.gateway';

/** Turns domain events into the gateway's broadcast messages (see messages.ts for their shapes). */
@Injectable()
export class RealtimeListener {
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

  @OnEvent(DomainEvent.EventsLogged)
  @OnEvent(DomainEvent.EventsRepublished)
  onEventsLogged({ events, outbox }: EventsLoggedEvent): void {
    this.gateway.broadcast(events.flatMap(build.fromLoggedEvent), outbox);
  }

  @OnEvent(DomainEvent.TasksUpdated)
  onTasksUpdated(event: TasksUpdatedEvent): void {
    this.gateway.broadcast(build.fromTasksUpdated(event));
  }

  @OnEvent(DomainEvent.MetricsCollected)
  onMetricsCollected(event: MetricsCollectedEvent): void {
    this.gateway.broadcast(build.fromMetricsCollected(event));
  }

  @OnEvent(DomainEvent.SessionUpdated)
  onSessionUpdated(event: SessionUpdatedEvent): void {
    this.gateway.broadcast(build.fromSessionUpdated(event));
  }

  @OnEvent(DomainEvent.SessionStuck)
  onSessionStuck(event: SessionStuckEvent): void {
    this.gateway.broadcast(build.fromSessionStuck(event));
  }

  @OnEvent(DomainEvent.BackupCompleted)
  onBackupCompleted(event: BackupCompletedEvent): void {
    this.gateway.broadcast(build.fromBackupCompleted(event));
  }

  @OnEvent(DomainEvent.BackupFailed)
  onBackupFailed(event: BackupFailedEvent): void {
    this.gateway.broadcast(build.fromBackupFailed(event));
  }

  @OnEvent(DomainEvent.BackupDeleted)
  onBackupDeleted(event: BackupDeletedEvent): void {
    this.gateway.broadcast(build.fromBackupDeleted(event));
  }

  @OnEvent(DomainEvent.BackupRestored)
  onBackupRestored(event: BackupRestoredEvent): void {
    this.gateway.broadcast(build.fromBackupRestored(event));
  }

  @OnEvent(DomainEvent.AlertChanged)
  onAlertChanged(event: AlertChangedEvent): void {
    this.gateway.broadcast(build.fromAlertChanged(event));
  }
}
