import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import {
  BackupCompletedEvent,
  BackupDeletedEvent,
  BackupFailedEvent,
  BackupRestoredEvent,
  DomainEvent,
} from '../contracts/domain-events';
import * as build from './messages';
import { RealtimeGateway } from './realtime.gateway';

/** Backups made, failed, deleted and restored, as the gateway's notifications. */
@Injectable()
export class RealtimeBackupsListener {
  constructor(private readonly gateway: RealtimeGateway) {}

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
}
