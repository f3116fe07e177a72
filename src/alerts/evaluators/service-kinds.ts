import { Injectable } from '@nestjs/common';
import { BackupsService } from '../../backups/backups.service';
import type { BackupRecord } from '../../contracts/backups';
import { HealthService } from '../../health/health.service';
import { AlertClock } from '../alert-clock';
import { AlertRule } from '../alert-rule.entity';
import { FLEET, Observation, round1, single } from './observation';

const HOUR = 3_600_000;

/** backup_failed, no_backup and health: the service's own state. */
@Injectable()
export class ServiceKinds {
  /**
   * The last backup's outcome since start; unknown (null) until one ends, so a restart leaves a firing alert as it is.
   */
  private lastBackup: { failed: boolean; error: string; operation: string } | null = null;
  private readonly startedAt = Date.now();
  private health: { evaluation: number; status: Promise<{ status: string; down: string[] }> } | null = null;
  /**
   * The last full backup made here, and when it was made on the alert clock: one made after an
   * evaluation at t is no older than t, even when t is ahead of the real clock that dated it.
   */
  private madeHere: { id: string; at: number } | null = null;

  constructor(
    private readonly backups: BackupsService,
    private readonly healthService: HealthService,
    private readonly clock: AlertClock,
  ) {}

  /** A backup that could not be made, and one that no longer verifies, are failed backups; a failed restore is not. */
  recordBackupFailure(operation: string, error: string): void {
    if (operation === 'backup' || operation === 'verify') this.lastBackup = { failed: true, error, operation };
  }

  recordBackup(backup: BackupRecord): void {
    this.lastBackup = { failed: false, error: '', operation: 'backup' };
    // An imported backup keeps its own, older date.
    if (backup.type === 'full' && backup.status === 'verified' && backup.trigger !== 'imported') {
      this.madeHere = { id: backup.id, at: this.clock.now() };
    }
  }

  backupFailed(): Observation {
    if (!this.lastBackup) return { subjects: new Map(), exhaustive: false };
    const { failed, error, operation } = this.lastBackup;
    return single(
      FLEET,
      failed
        ? { value: null, message: `A backup ${operation === 'verify' ? 'failed verification' : 'failed'}: ${error}` }
        : null,
    );
  }

  /** With no verified full backup at all, the time counts from the service's start. */
  async noBackup(rule: AlertRule, now: number): Promise<Observation> {
    const hours = Number(rule.params.hours);
    const newest = await this.backups.newestVerifiedFull();
    const made = newest && newest.id === this.madeHere?.id ? this.madeHere.at : -Infinity;
    const since = newest ? Math.max(Date.parse(newest.created_at), made) : this.startedAt;
    const age = (now - since) / HOUR;
    const message = newest
      ? `No verified full backup for ${Math.floor(age)} hours (the last is ${newest.id})`
      : `No verified full backup since the service started ${Math.floor(age)} hours ago`;
    return single(FLEET, age > hours ? { value: round1(age), message } : null);
  }

  async serviceHealth(evaluation: number): Promise<Observation> {
    // Several health rules in one evaluation share one check (two evaluations may share a time).
    if (this.health?.evaluation !== evaluation) this.health = { evaluation, status: this.checkHealth() };
    const { status, down } = await this.health.status;
    return single(
      FLEET,
      status === 'healthy'
        ? null
        : { value: null, message: `Mission Control is ${status}${down.length ? `: ${down.join(', ')} down` : ''}` },
    );
  }

  private async checkHealth(): Promise<{ status: string; down: string[] }> {
    const { status, services } = await this.healthService.check();
    return {
      status,
      down: Object.entries(services)
        .filter(([, s]) => s.status === 'down')
        .map(([name]) => name),
    };
  }
}
