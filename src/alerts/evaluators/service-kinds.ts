import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { BackupsService } from '../../backups/backups.service';
import { BackupFailedEvent, DomainEvent } from '../../domain-events';
import { HealthService } from '../../health/health.service';
import { AlertRule } from '../alert-rule.entity';
import { FLEET, Observation, round1, single } from './observation';

const HOUR = 3_600_000;

/** backup_failed, no_backup and health: the service's own state. */
@Injectable()
export class ServiceKinds {
  /** The last backup's outcome since start; unknown (null) until one ends, so a restart leaves a firing alert as it is. */
  private lastBackup: { failed: boolean; error: string; operation: string } | null = null;
  private readonly startedAt = Date.now();
  private health: { at: number; status: Promise<{ status: string; down: string[] }> } | null = null;

  constructor(
    private readonly backups: BackupsService,
    private readonly healthService: HealthService,
  ) {}

  /** A backup that could not be made, and one that no longer verifies, are failed backups; a failed restore is not. */
  @OnEvent(DomainEvent.BackupFailed)
  onBackupFailed({ operation, error }: BackupFailedEvent): void {
    if (operation === 'backup' || operation === 'verify') this.lastBackup = { failed: true, error, operation };
  }

  @OnEvent(DomainEvent.BackupCompleted)
  onBackupCompleted(): void {
    this.lastBackup = { failed: false, error: '', operation: 'backup' };
  }

  backupFailed(): Observation {
    if (!this.lastBackup) return { subjects: new Map(), exhaustive: false };
    const { failed, error, operation } = this.lastBackup;
    return single(FLEET, failed ? { value: null, message: `A backup ${operation === 'verify' ? 'failed verification' : 'failed'}: ${error}` } : null);
  }

  /** With no verified full backup at all, the time counts from the service's start. */
  async noBackup(rule: AlertRule, now: number): Promise<Observation> {
    const hours = Number(rule.params.hours);
    const newest = await this.backups.newestVerifiedFull();
    const since = newest ? Date.parse(newest.created_at) : this.startedAt;
    const age = (now - since) / HOUR;
    const message = newest ? `No verified full backup for ${Math.floor(age)} hours (the last is ${newest.id})` : `No verified full backup since the service started ${Math.floor(age)} hours ago`;
    return single(FLEET, age > hours ? { value: round1(age), message } : null);
  }

  async serviceHealth(now: number): Promise<Observation> {
    // Several health rules in one evaluation share one check.
    if (this.health?.at !== now) this.health = { at: now, status: this.checkHealth() };
    const { status, down } = await this.health.status;
    return single(FLEET, status === 'healthy' ? null : { value: null, message: `Mission Control is ${status}${down.length ? `: ${down.join(', ')} down` : ''}` });
  }

  private async checkHealth(): Promise<{ status: string; down: string[] }> {
    const { status, services } = await this.healthService.check();
    return { status, down: Object.entries(services).filter(([, s]) => s.status === 'down').map(([name]) => name) };
  }
}
