import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppConfig } from '../config/environment';
import { FleetService } from '../agents/fleet.service';
import { WorkspaceService } from '../workspace/workspace.service';
import { AGENT_STATUSES } from '../contracts/fleet';
import { DiskSpaceService } from '../common/disk-space.service';
import { InsufficientStorageException } from '../common/insufficient-storage.exception';
import { serviceVersion } from '../common/project';
import { BackupsService } from '../backups/backups.service';
import { EventsService } from '../events/events.service';
import { MetricsService } from '../metrics/metrics.service';
import { removeServiceLock, SERVICE_LOCK_FILE, writeServiceLock } from './service-lock';
import { StatusState, statusLine } from './status-line';

const EVERY_FIVE_MINUTES = 5 * 60_000;

/**
 * Writes `<MC_DATA_DIR>/status.json` at start, every five minutes and at stop, and logs one line (at
 * start only at debug level: the start-up report says it), so an operator (or a script) can see what
 * runs without calling the API: `running`; `stopped`, with how in `reason` (the signal); or `failed`,
 * with why, when the start failed. A full disk does not stop the service: what cannot be written is
 * logged, and tried again every five minutes.
 */
@Injectable()
export class StatusService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Status');
  private readonly startedAt = new Date();
  private readonly file: string;
  private readonly dataDir: string;
  private locked = false;
  /** How the service is stopping (a signal) once told, or why its start failed. */
  private reason: string | null = null;
  private failed = false;
  /** The last status written, for the one written as the process ends without a clean stop. */
  private last: Record<string, unknown> | null = null;
  private readonly onExit = () => this.reportExit();

  constructor(
    private readonly config: AppConfig,
    private readonly workspace: WorkspaceService,
    private readonly fleet: FleetService,
    private readonly disk: DiskSpaceService,
    private readonly events: EventsService,
    private readonly metrics: MetricsService,
    private readonly backups: BackupsService,
  ) {
    this.dataDir = config.get('MC_DATA_DIR', { infer: true });
    this.file = join(this.dataDir, 'status.json');
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.lock();
    if (this.locked) await this.removeLeftovers();
    await this.report('running', 'debug');
    process.once('exit', this.onExit);
  }

  /**
   * Drafts of status.json that a killed service left between writing
   * and renaming them; holding the service lock, none is anyone's now.
   */
  private async removeLeftovers(): Promise<void> {
    for (const name of await readdir(this.dataDir)) {
      if (/^status\.json\.\d+\.tmp$/.test(name)) await rm(join(this.dataDir, name), { force: true });
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    process.removeListener('exit', this.onExit);
    // A failed start has said so already, and given the data folder up.
    if (this.failed) return;
    await this.report('stopped');
    if (this.locked) await removeServiceLock(this.dataDir);
  }

  /** How the service is being stopped (`SIGTERM`, say), for the stop's line and status.json. */
  stopping(how: string): void {
    this.reason ??= how;
  }

  /**
   * The start failed (a port in use, a module that would not start): status.json says `failed` and
   * why, and the data folder is given up. Held by another service, its status.json is left alone.
   */
  async startFailed(reason: string): Promise<void> {
    process.removeListener('exit', this.onExit);
    this.failed = true;
    this.reason = reason;
    if (!this.locked) {
      try {
        await writeServiceLock(this.dataDir);
        this.locked = true;
      } catch {
        return;
      }
    }
    await this.report('failed', 'debug');
    await removeServiceLock(this.dataDir);
    this.locked = false;
  }

  @Interval(EVERY_FIVE_MINUTES)
  async periodic(): Promise<void> {
    if (!this.locked) await this.lock().catch((error: Error) => this.logger.error(error.message));
    await this.report('running');
  }

  /**
   * Another service on the data folder stops the start; a disk too full to hold the lock does not
   * (the service runs without it, and takes it once there is room).
   */
  private async lock(): Promise<void> {
    try {
      await this.disk.guard(['MC_DATA_DIR'], () => writeServiceLock(this.dataDir));
      this.locked = true;
    } catch (error) {
      if (!(error instanceof InsufficientStorageException)) throw error;
      this.logger.warn(`Running without ${this.dataDir}/service.lock until there is room for it: ${error.message}`);
    }
  }

  /**
   * Rewrites status.json whole (a temporary file renamed over
   * it) and logs the state; a failure is logged, never thrown.
   */
  async report(state: StatusState, level: 'log' | 'debug' = 'log'): Promise<void> {
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      const status = await this.collect(state);
      this.last = status;
      await this.disk.guard(['MC_DATA_DIR'], async () => {
        await writeFile(tmp, JSON.stringify(status, null, 2));
        await rename(tmp, this.file);
      });
      this.logger[level](statusLine(status, this.startedAt));
    } catch (error) {
      await rm(tmp, { force: true });
      this.logger.error(`Cannot write ${this.file}: ${(error as Error).message}`);
    }
  }

  /**
   * The process ends before the application stopped (the shutdown deadline, a fatal error): status.json
   * says so, from the last status written, synchronously (the thread pool may be stuck), and the
   * service lock goes, as its process does.
   */
  private reportExit(): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      const status = {
        ...this.last,
        state: 'stopped',
        ...(this.reason ? { reason: this.reason } : {}),
        shutdown_incomplete: true,
        updated_at: new Date().toISOString(),
      };
      writeFileSync(tmp, JSON.stringify(status, null, 2));
      renameSync(tmp, this.file);
      if (this.locked) rmSync(join(this.dataDir, SERVICE_LOCK_FILE), { force: true });
    } catch (error) {
      rmSync(tmp, { force: true });
      this.logger.error(`Cannot write ${this.file} as the process ends: ${(error as Error).message}`);
    }
  }

  private async collect(state: StatusState) {
    const agents = this.fleet.listAgents();
    const byStatus = Object.fromEntries(AGENT_STATUSES.map((s) => [s, agents.filter((a) => a.status === s).length]));
    const [logged, lastCollection, lastBackup] = await Promise.all([
      this.events.loggedCount(),
      this.metrics.lastCollectionAt(),
      this.backups.lastVerifiedAt(),
    ]);
    const typed = this.config;
    return {
      service: 'mission-control',
      version: serviceVersion(),
      state,
      ...(state !== 'running' && this.reason ? { reason: this.reason } : {}),
      pid: process.pid,
      started_at: this.startedAt.toISOString(),
      updated_at: new Date().toISOString(),
      uptime_seconds: Math.round((Date.now() - this.startedAt.getTime()) / 1000),
      api: { host: typed.get('MC_HOST', { infer: true }), port: typed.get('MC_API_PORT', { infer: true }) },
      workspace: {
        path: this.workspace.missionControlDir,
        available: this.workspace.available,
        watching: this.workspace.watching,
      },
      counts: {
        agents: agents.length,
        agents_by_status: byStatus,
        tasks: this.workspace.getTaskQueue().tasks.length,
        events_logged: logged,
      },
      last_collection: lastCollection,
      last_backup: lastBackup,
    };
  }
}
