import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { FSWatcher, watch } from 'chokidar';
import { access } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { LeaderWork, LeadershipHooks } from '../cluster/leader-only';
import { AppConfig } from '../config/environment';
import { WorkspaceService } from './workspace.service';

const AGENT_FILES = new Set(['state.json', 'agent.json', 'SOUL.md']);
const TOP_FILES = new Set(['current_office_state.json', 'TASK_QUEUE.json', 'TASK_QUEUE.md']);
const DEBOUNCE_MS = 50;
const MISSING_POLL_MS = 1_000;

/**
 * Watches `<workspace>/mission-control/` with chokidar and tells WorkspaceService what to reload.
 * Only the files Mission Control reads are watched, so large `logs/` folders cost nothing.
 * A workspace that does not exist yet is polled for until it appears. In a cluster only the leader
 * watches; followers are given its view (see FleetViewSync).
 */
@Injectable()
@LeaderWork('sources')
export class WorkspaceWatcher implements LeadershipHooks, OnModuleDestroy {
  private readonly logger = new Logger(WorkspaceWatcher.name);
  private watcher: FSWatcher | null = null;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private tick: NodeJS.Timeout | null = null;
  private lastRescan = 0;
  private lastStaleCheck = 0;
  private checking = false;
  /** Whether this instance watches now: not stopping, and not a cluster's follower. */
  private active = false;
  private stopped = false;
  private missingLogged = false;
  private readonly staleCheckMs: number;
  /** A safety net for events the OS dropped (inotify limits, network drives): a full rescan this often. */
  private readonly rescanMs: number;

  constructor(
    private readonly workspace: WorkspaceService,
    config: AppConfig,
  ) {
    const staleMs = config.get('MC_STALE_MINUTES', { infer: true }) * 60_000;
    this.staleCheckMs = Math.max(250, Math.min(10_000, staleMs / 4));
    this.rescanMs = config.get('MC_RESCAN_INTERVAL', { infer: true }) * 1000;
  }

  /** Reads its own files and watches them (a cluster's follower was given the leader's view until now). */
  async startLeading(): Promise<void> {
    // The watches would outlive the application.
    if (this.active || this.stopped) return;
    this.active = true;
    this.workspace.readOwnFiles();
    this.tick = setInterval(() => void this.checkOnce(), Math.min(MISSING_POLL_MS, this.staleCheckMs));
    await this.checkOnce();
  }

  async stopLeading(): Promise<void> {
    this.active = false;
    if (this.tick) clearInterval(this.tick);
    this.tick = null;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await this.stopWatching();
  }

  private async checkOnce(): Promise<void> {
    if (this.checking || !this.active) return;
    this.checking = true;
    await this.check().finally(() => (this.checking = false));
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    await this.stopLeading();
    await this.workspace.enqueue(async () => undefined);
  }

  /** A restore swaps folders under the watcher: watch the new ones and read everything again. */
  async restored(): Promise<void> {
    await this.stopWatching();
    await this.checkOnce();
  }

  /** Starts watching when the folder appears, stops when it goes, rescans now and then. */
  private async check(): Promise<void> {
    const exists = await access(this.workspace.missionControlDir).then(
      () => true,
      () => false,
    );
    if (!exists) {
      if (!this.missingLogged) {
        this.logger.warn(`Workspace ${this.workspace.missionControlDir} does not exist yet; waiting for it to appear`);
        this.missingLogged = true;
      }
      if (this.watcher || this.workspace.listAgents().length) {
        await this.stopWatching();
        await this.workspace.enqueue(() => this.workspace.scan());
      }
      return;
    }
    if (!this.watcher) {
      if (this.missingLogged) this.logger.log(`Workspace ${this.workspace.missionControlDir} found`);
      this.missingLogged = false;
      await this.startWatching();
    } else if (Date.now() - this.lastRescan >= this.rescanMs) {
      this.lastRescan = Date.now();
      await this.workspace.enqueue(() => this.workspace.scan());
    } else if (Date.now() - this.lastStaleCheck >= this.staleCheckMs) {
      this.lastStaleCheck = Date.now();
      await this.workspace.enqueue(async () => this.workspace.refreshStaleness());
    }
  }

  private async startWatching(): Promise<void> {
    const root = this.workspace.missionControlDir;
    const watcher = watch(root, {
      ignoreInitial: true,
      followSymlinks: false,
      depth: 2,
      awaitWriteFinish: { stabilityThreshold: 150, pollInterval: 40 },
      ignored: (path: string) => !isWatched(relative(root, path)),
    });
    watcher.on('all', (_event, path) => this.route(relative(root, path)));
    watcher.on('error', (error) => this.logger.warn(`Watcher error: ${(error as Error).message}`));
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    // The application may have begun to stop, or this instance to follow, while chokidar was getting ready.
    if (!this.active) return void (await watcher.close());
    this.watcher = watcher;
    this.workspace.setWatching(true);
    this.lastRescan = Date.now();
    this.logger.log(`Watching ${root}`);
    await this.workspace.enqueue(() => this.workspace.scan());
  }

  private async stopWatching(): Promise<void> {
    const watcher = this.watcher;
    this.watcher = null;
    this.workspace.setWatching(false);
    await watcher?.close();
  }

  private route(rel: string): void {
    const parts = rel.split(sep);
    if (parts[0] === 'agents' && parts.length >= 2) {
      this.debounce(`agent:${parts[1]}`, () => this.workspace.loadAgent(parts[1]));
    } else if (parts[0] === 'current_office_state.json') {
      this.debounce('office', () => this.workspace.loadOffice());
    } else if (TOP_FILES.has(parts[0])) {
      this.debounce('tasks', () => this.workspace.loadTasks());
    } else {
      this.debounce('scan', () => this.workspace.scan());
    }
  }

  private debounce(key: string, job: () => Promise<void>): void {
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        void this.workspace.enqueue(job);
      }, DEBOUNCE_MS),
    );
  }
}

/** Which paths under mission-control/ matter: agents/<id>/{state.json,agent.json,SOUL.md} and the top files. */
function isWatched(rel: string): boolean {
  if (rel === '') return true;
  const parts = rel.split(sep);
  if (parts.length === 1) return parts[0] === 'agents' || TOP_FILES.has(parts[0]);
  if (parts[0] !== 'agents') return false;
  return parts.length === 2 || (parts.length === 3 && AGENT_FILES.has(parts[2]));
}
