import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { BackupCompletedEvent, BackupFailedEvent, DomainEvent } from '../contracts/domain-events';
import { AlertEvaluator } from './alert-evaluator.service';
import { ServiceKinds } from './evaluators/service-kinds';

/** Backups made, failed or deleted: the outcome is kept for backup_failed, then backup rules are evaluated again. */
@Injectable()
export class AlertsBackupsListener {
  constructor(
    private readonly evaluator: AlertEvaluator,
    private readonly serviceKinds: ServiceKinds,
  ) {}

  @OnEvent(DomainEvent.BackupCompleted)
  onBackupCompleted({ backup }: BackupCompletedEvent): void {
    this.serviceKinds.recordBackup(backup);
    this.evaluator.backupsChanged();
  }

  @OnEvent(DomainEvent.BackupFailed)
  onBackupFailed({ operation, error }: BackupFailedEvent): void {
    this.serviceKinds.recordBackupFailure(operation, error);
    this.evaluator.backupsChanged();
  }

  @OnEvent(DomainEvent.BackupDeleted)
  onBackupDeleted(): void {
    this.evaluator.backupsChanged();
  }
}
