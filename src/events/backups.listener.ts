import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import {
  BackupCompletedEvent,
  BackupDeletedEvent,
  BackupFailedEvent,
  BackupRestoredEvent,
  DomainEvent,
} from '../contracts/domain-events';
import { EventsService } from './events.service';

/** Backups made, failed, deleted and restored, in the event log. */
@Injectable()
export class EventsBackupsListener {
  constructor(private readonly events: EventsService) {}

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
}
