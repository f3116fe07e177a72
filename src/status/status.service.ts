import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/environment';
import { FleetService } from '../agents/fleet.service';
import { WorkspaceService } from '../workspace/workspace.service';
import { WorkspaceWatcher } from '../workspace/workspace.watcher';
import { AGENT_STATUSES } from '../workspace/workspace.types';
import { serviceVersion } from '../common/project';
import { removeServiceLock, writeServiceLock } from './service-lock';

const EVERY_FIVE_MINUTES = 5 * 60_000;

/**
 * Writes `<MC_DATA_DIR>/status.json` at start, every five minutes and at stop, and logs one line,
 * so an operator (or a script) can see what runs without calling the API.
 */
@Injectable()
export class StatusService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Status');
  private readonly startedAt = new Date();
  private readonly file: string;
  private readonly dataDir: string;

  constructor(
    private readonly config: AppConfig,
    private readonly workspace: WorkspaceService,
    private readonly fleet: FleetService,
    private readonly watcher: WorkspaceWatcher,
    @InjectDataSource() private readonly db: DataSource,
  ) {
    this.dataDir = config.get('MC_DATA_DIR', { infer: true });
    this.file = join(this.dataDir, 'status.json');
  }

  async onApplicationBootstrap(): Promise<void> {
    await writeServiceLock(this.dataDir);
    await this.report('running');
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.report('stopped');
    await removeServiceLock(this.dataDir);
  }

  @Interval(EVERY_FIVE_MINUTES)
  async periodic(): Promise<void> {
    await this.report('running').catch((error: Error) => this.logger.error(`Cannot write ${this.file}: ${error.message}`));
  }

  async report(state: 'running' | 'stopped'): Promise<void> {
    const status = await this.collect(state);
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(status, null, 2));
    await rename(tmp, this.file);
    const agents = status.counts.agents_by_status;
    this.logger.log(
      `${state} since ${status.started_at}: ${status.counts.agents} agents (${AGENT_STATUSES.map((s) => `${agents[s]} ${s}`).join(', ')}), ` +
        `${status.counts.tasks} tasks, ${status.counts.events_logged} events logged, workspace ${status.workspace.watching ? 'watched' : 'missing'}`,
    );
  }

  private async collect(state: 'running' | 'stopped') {
    const agents = this.fleet.listAgents();
    const byStatus = Object.fromEntries(AGENT_STATUSES.map((s) => [s, agents.filter((a) => a.status === s).length]));
    // The events table's AUTOINCREMENT counter: O(1), where COUNT(*) would walk millions of rows every five minutes.
    const [logged] = await this.db.query(`SELECT "seq" FROM "sqlite_sequence" WHERE "name" = 'events'`);
    const [{ last_collection }] = await this.db.query('SELECT MAX(timestamp) AS last_collection FROM system_metrics');
    const [{ last_backup }] = await this.db.query(`SELECT MAX(created_at) AS last_backup FROM backups WHERE status = 'verified'`);
    const typed = this.config;
    return {
      service: 'mission-control',
      version: serviceVersion(),
      state,
      pid: process.pid,
      started_at: this.startedAt.toISOString(),
      updated_at: new Date().toISOString(),
      uptime_seconds: Math.round((Date.now() - this.startedAt.getTime()) / 1000),
      api: { host: typed.get('MC_HOST', { infer: true }), port: typed.get('MC_API_PORT', { infer: true }) },
      workspace: { path: this.workspace.missionControlDir, available: this.workspace.available, watching: this.watcher.watching },
      counts: { agents: agents.length, agents_by_status: byStatus, tasks: this.workspace.getTaskQueue().tasks.length, events_logged: Number(logged?.seq ?? 0) },
      last_collection: (last_collection as string | null) ?? null,
      last_backup: (last_backup as string | null) ?? null,
    };
  }
}
