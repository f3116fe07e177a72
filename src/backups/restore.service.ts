import { Injectable, Logger, OnModuleInit, UnprocessableEntityException } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { extract } from 'tar';
import { DiskSpaceService } from '../common/disk-space.service';
import { isInside } from '../common/paths';
import { DomainEventBus } from '../common/domain-event-bus';
import { AppConfig } from '../config/environment';
import { DomainEvent } from '../contracts/domain-events';
import { WorkspaceService } from '../workspace/workspace.service';
import { AGENT_ID_PATTERN } from '../contracts/ids';
import { checkBackupFile } from './backup-check';
import { ARCHIVE_WORKSPACE, WORKSPACE_SOURCES } from './backup-names';
import { Backup } from './backup.entity';
import { BackupsService } from './backups.service';

export interface RestoreResult {
  success: true;
  message: string;
  restored_files: number;
  safety_backup_id: string;
}

/** `.mc-restore-<backup id>-<hex>` and `.mc-old-<backup id>-<hex>`, as extractAndSwap names them. */
const LEFTOVER = /^\.mc-(restore|old)-\d{8}_\d{6}(?:_\d{1,3})?-[0-9a-f]{8}$/;

/** What a swap in progress needs for a crash to be undone or finished at the next start. */
interface Journal {
  target: string;
  staged: string;
  old: string;
  staging: string;
}

/**
 * Restores a backup: verify, make a safety backup, extract into a staging folder beside the workspace,
 * then swap folders by rename. A journal records the swap, so a crash at any moment leaves either the
 * old or the new folder in place, never a mix; the next start finishes or undoes it.
 */
@Injectable()
export class RestoreService implements OnModuleInit {
  private readonly logger = new Logger(RestoreService.name);
  private readonly journalFile: string;

  constructor(
    private readonly backups: BackupsService,
    private readonly workspace: WorkspaceService,
    private readonly bus: DomainEventBus,
    private readonly disk: DiskSpaceService,
    config: AppConfig,
  ) {
    this.journalFile = join(config.get('MC_DATA_DIR', { infer: true }), 'restore-journal.json');
  }

  /**
   * Before the watcher starts: finish or undo a swap that a crash interrupted, then clear what restores left behind.
   */
  async onModuleInit(): Promise<void> {
    await this.finishInterruptedSwap();
    await this.removeLeftovers();
  }

  private async finishInterruptedSwap(): Promise<void> {
    const journal = await readFile(this.journalFile, 'utf8').then(
      (t) => JSON.parse(t) as unknown,
      () => null,
    );
    if (journal === null) return;
    if (!this.isOwnJournal(journal)) {
      // Renames and deletions are only ever done on the folders this service names; anything else stays untouched.
      await rename(this.journalFile, `${this.journalFile}.invalid`);
      this.logger.error(
        `${this.journalFile} does not describe a restore of ${this.workspace.root}: set aside as ${this.journalFile}.invalid, nothing changed`,
      );
      return;
    }
    const exists = (p: string) =>
      stat(p).then(
        () => true,
        () => false,
      );
    if (!(await exists(journal.target))) {
      if (await exists(journal.staged)) await rename(journal.staged, journal.target);
      else if (await exists(journal.old)) await rename(journal.old, journal.target);
    }
    await rm(journal.old, { recursive: true, force: true });
    await rm(journal.staging, { recursive: true, force: true });
    await rm(this.journalFile, { force: true });
    this.logger.warn(`Finished a restore that was interrupted: ${journal.target} is complete`);
  }

  private isOwnJournal(value: unknown): value is Journal {
    const j = value as Partial<Record<keyof Journal, unknown>> | null;
    if (
      typeof j !== 'object' ||
      j === null ||
      ![j.target, j.staged, j.old, j.staging].every((p) => typeof p === 'string')
    )
      return false;
    const { target, staged, old, staging } = j as Journal;
    const root = this.workspace.root;
    const mc = this.workspace.missionControlDir;
    const inside = (path: string, folder: string) => relative(folder, path) !== '' && isInside(folder, path);
    return (
      (target === mc || (dirname(target) === join(mc, 'agents') && AGENT_ID_PATTERN.test(basename(target)))) &&
      dirname(staging) === root &&
      basename(staging).startsWith('.mc-restore-') &&
      dirname(old) === root &&
      basename(old).startsWith('.mc-old-') &&
      inside(staged, staging)
    );
  }

  /**
   * Staging folders of restores killed while extracting, and old folders of swaps that finished but
   * were not cleared: only folders named as this service names them, and never while another process
   * holds the backup lock (a restore of the command line may be using them).
   */
  private async removeLeftovers(): Promise<void> {
    const root = this.workspace.root;
    const names = (await readdir(root, { withFileTypes: true }).catch(() => []))
      .filter((e) => e.isDirectory() && LEFTOVER.test(e.name))
      .map((e) => e.name);
    if (!names.length) return;
    await this.backups.lock
      .run('cleanup', null, () =>
        Promise.all(names.map((name) => rm(join(root, name), { recursive: true, force: true }))),
      )
      .then(
        () => this.logger.warn(`Removed what interrupted restores left in ${root}: ${names.join(', ')}`),
        (error: Error) => this.logger.warn(`Left ${names.join(', ')} in ${root}: ${error.message}`),
      );
  }

  /**
   * Restores the whole workspace, or only `agents/<agentId>/`, from a backup; 507 when a folder it writes to is full.
   */
  restore(id: string, agentId: string | null): Promise<RestoreResult> {
    return this.disk.guard(['MC_WORKSPACE', 'MC_BACKUP_DIR', 'MC_DATA_DIR'], () => this.restoreLocked(id, agentId));
  }

  private restoreLocked(id: string, agentId: string | null): Promise<RestoreResult> {
    return this.backups.lock.run('restore', id, async () => {
      const backup = await this.backups.get(id);
      this.assertRestorable(backup, agentId);
      const check = await checkBackupFile(this.backups.pathOf(backup), backup.type, backup.integrity_hash);
      if (check.errors.length) {
        this.bus.emit(DomainEvent.BackupFailed, {
          type: backup.type,
          agent_id: agentId,
          operation: 'restore',
          error: check.errors.join('; '),
        });
        throw new UnprocessableEntityException({
          message: `Backup ${id} failed verification; nothing was restored`,
          errors: check.errors,
        });
      }
      const agentFolder = agentId ? join(this.workspace.missionControlDir, 'agents', agentId) : null;
      const safetyScope =
        agentFolder &&
        (await stat(agentFolder).then(
          () => true,
          () => false,
        ))
          ? 'agent_state'
          : 'full';
      const safety = await this.backups.make(
        safetyScope,
        safetyScope === 'agent_state' ? agentId : null,
        'pre_restore',
      );
      const restored = await this.extractAndSwap(backup, agentId);
      this.bus.emit(DomainEvent.BackupRestored, {
        backup,
        agent_id: agentId,
        restored_files: restored,
        safety_backup_id: safety.id,
      });
      const what = agentId ? `agent ${agentId}` : 'the workspace';
      return {
        success: true,
        message: `Restored ${what} from backup ${id}`,
        restored_files: restored,
        safety_backup_id: safety.id,
      };
    });
  }

  /**
   * Extracts the database entry (ARCHIVE_DATABASES) of a verified full backup to `target`, for the
   * command line's offline restore. False when the backup holds no such entry.
   */
  async extractDatabase(backup: Backup, target: string, entry: string): Promise<boolean> {
    const staging = join(dirname(target), `.restore-db-${randomBytes(4).toString('hex')}`);
    await mkdir(staging, { recursive: true });
    try {
      await extract({
        file: this.backups.pathOf(backup),
        cwd: staging,
        strict: true,
        filter: (path) => path === entry,
      });
      return await rename(join(staging, entry), target).then(
        () => true,
        (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? false : Promise.reject(error)),
      );
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  private assertRestorable(backup: Backup, agentId: string | null): void {
    const refuse = (why: string) => new UnprocessableEntityException({ message: why, backup_id: backup.id });
    if (backup.type === 'snapshot')
      throw refuse('A snapshot records states for reading; it cannot be restored as files');
    if (backup.type === 'agent_state' && !agentId)
      throw refuse(
        `Backup ${backup.id} holds only agent ${backup.agent_id}: restore it with {"agent_id": "${backup.agent_id}"}`,
      );
    if (backup.type === 'agent_state' && agentId !== backup.agent_id)
      throw refuse(`Backup ${backup.id} holds agent ${backup.agent_id}, not ${agentId}`);
  }

  private async extractAndSwap(backup: Backup, agentId: string | null): Promise<number> {
    const root = this.workspace.root;
    const tag = `${backup.id}-${randomBytes(4).toString('hex')}`;
    const staging = join(root, `.mc-restore-${tag}`);
    const prefix = agentId ? `${ARCHIVE_WORKSPACE}/agents/${agentId}/` : `${ARCHIVE_WORKSPACE}/`;
    await mkdir(staging, { recursive: true });
    try {
      // Entries were checked by the verify above (no links, no absolute paths, no ..); node-tar refuses them as well.
      let restored = 0;
      await extract({
        file: this.backups.pathOf(backup),
        cwd: staging,
        strict: true,
        preservePaths: false,
        filter: (path, entry) => {
          const type = 'type' in entry ? entry.type : 'File';
          const taken = path.startsWith(prefix) && (type === 'File' || type === 'Directory');
          if (taken && type === 'File') restored++;
          return taken;
        },
      });
      const target = agentId
        ? join(this.workspace.missionControlDir, 'agents', agentId)
        : this.workspace.missionControlDir;
      const staged = join(staging, ...prefix.split('/').filter(Boolean));
      await mkdir(staged, { recursive: true });
      if (!agentId) await this.keepUnbackedEntries(target, staged);
      await mkdir(dirname(target), { recursive: true });
      await this.swap({ target, staged, old: join(root, `.mc-old-${tag}`), staging });
      return restored;
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  /** Whatever mission-control/ holds beyond what backups take (other folders of the user's) stays as it is. */
  private async keepUnbackedEntries(target: string, staged: string): Promise<void> {
    const entries = await readdir(target).catch(() => [] as string[]);
    for (const name of entries.filter((n) => !WORKSPACE_SOURCES.includes(n))) {
      await cp(join(target, name), join(staged, name), { recursive: true, verbatimSymlinks: true });
    }
  }

  private async swap(journal: Journal): Promise<void> {
    await writeFile(this.journalFile, JSON.stringify(journal)).catch(async (error: Error) => {
      // A journal cut short by a full disk would be read at the next start as no journal at all: leave none.
      await rm(this.journalFile, { force: true });
      throw error;
    });
    await rename(journal.target, journal.old).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    await rename(journal.staged, journal.target);
    await rm(this.journalFile, { force: true });
    await rm(journal.old, { recursive: true, force: true });
  }
}
