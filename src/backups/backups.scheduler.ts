import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { slotJob, slotsOf } from '../config/schedule-slots';
import { LeaderOnly } from '../cluster/leader-only';
import { AppConfig } from '../config/environment';
import { BackupsService } from './backups.service';

/**
 * A full backup every MC_BACKUP_INTERVAL hours, then the retention prune; in a cluster, by the leader, once per slot.
 */
@Injectable()
export class BackupsScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(BackupsScheduler.name);

  constructor(
    private readonly backups: BackupsService,
    private readonly registry: SchedulerRegistry,
    private readonly config: AppConfig,
  ) {}

  /** On wall-clock slots: 00:00, 06:00, 12:00 and 18:00 UTC by default (see slotsOf). */
  onApplicationBootstrap(): void {
    const slots = slotsOf(Math.round(this.config.get('MC_BACKUP_INTERVAL', { infer: true }) * 3_600));
    this.registry.addCronJob(
      'scheduled-backup',
      slotJob(slots, (slot) => void this.onSlot(slot)),
    );
  }

  @LeaderOnly({ job: 'scheduled-backup' })
  private async onSlot(_slot: Date): Promise<void> {
    await this.backupAndPrune();
  }

  async backupAndPrune(): Promise<void> {
    await this.backups
      .create('full', null, 'scheduled')
      .catch((error: Error) => this.logger.error(`Scheduled backup failed: ${error.message}`));
    await this.backups.prune().catch((error: Error) => this.logger.error(`Backup retention failed: ${error.message}`));
  }
}
