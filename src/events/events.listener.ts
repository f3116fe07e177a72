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
  SessionStuckEvent,
} from '../contracts/domain-events';
import { EventsService } from './events.service';

/** Writes what Mission Control itself sees and does into the event log. */
@Injectable()
export class EventsListener {
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

  @OnEvent(DomainEvent.BackupCompleted)
  async onBackupCompleted({ backup }: BackupCompletedEvent): Promise<void> {
    const { id, type, agent_id, size_bytes, file_count, trigger } = backup;
    await this.events.log('backup_completed', agent_id, { backup_id: id, type, size_bytes, file_count, trigger });
  }

  @OnEvent(DomainEvent.BackupFailed)
  async onBackupFailed(event: BackupFailedEvent): Promise<void> {
    await this.events.log('backup_failed', event.agent_id, {
      type: event.type,
      operation: event.operation,
      error: event.error,
    });
  }

  @OnEvent(DomainEvent.BackupDeleted)
  async onBackupDeleted({ backup, reason }: BackupDeletedEvent): Promise<void> {
    await this.events.log('backup_deleted', backup.agent_id, { backup_id: backup.id, type: backup.type, reason });
  }

  @OnEvent(DomainEvent.BackupRestored)
  async onBackupRestored({ backup, agent_id, restored_files, safety_backup_id }: BackupRestoredEvent): Promise<void> {
    await this.events.log('backup_restored', agent_id, { backup_id: backup.id, restored_files, safety_backup_id });
  }

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
