import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { AppConfig } from '../config/environment';
import { BackupsService } from './backups.service';

/** A full backup every MC_BACKUP_INTERVAL hours, then the retention prune. */
@Injectable()
export class BackupsScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(BackupsScheduler.name);

  constructor(
    private readonly backups: BackupsService,
    private readonly registry: SchedulerRegistry,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const hours = this.config.get('MC_BACKUP_INTERVAL', { infer: true });
    this.registry.addInterval('scheduled-backup', setInterval(() => void this.backupAndPrune(), hours * 3_600_000));
  }

  async backupAndPrune(): Promise<void> {
    await this.backups.create('full', null, 'scheduled').catch((error: Error) => this.logger.error(`Scheduled backup failed: ${error.message}`));
    await this.backups.prune().catch((error: Error) => this.logger.error(`Backup retention failed: ${error.message}`));
  }
}
