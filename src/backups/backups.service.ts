import {
  BadRequestException,
  Injectable,
  Logger,
  NotFoundException,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { ReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Repository } from 'typeorm';
import { DatabaseWriter } from '../database/database-writer';
import { DiskSpaceService } from '../common/disk-space.service';
import { DomainEventBus } from '../common/domain-event-bus';
import { AppConfig } from '../config/environment';
import { DatabaseCopier } from '../database/database-copier';
import { DomainEvent } from '../contracts/domain-events';
import { WorkspaceService } from '../workspace/workspace.service';
import { Progress } from './backup-archive';
import { checkBackupFile } from './backup-check';
import { inspectUpload } from './backup-upload';
import { BackupLock } from './backup-lock';
import { writeArchiveBackup, writeSnapshot } from './backup-contents';
import { BACKUP_ID_PATTERN, backupFileName, countOf, parseBackupFileName, timeId } from './backup-names';
import { Backup } from './backup.entity';
import { BackupTrigger, BackupType } from '../contracts/backups';

export interface VerifyResult {
  id: string;
  valid: boolean;
  checked_files: number;
  errors: string[];
}

/**
 * Makes, lists, verifies, deletes and imports backups. Every backup is written under a temporary
 * name, checked, and only then renamed and recorded, so a file that looks like a backup is one.
 */
@Injectable()
export class BackupsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(BackupsService.name);
  readonly dir: string;
  readonly lock: BackupLock;
  private reconciling: Promise<void> = Promise.resolve();

  constructor(
    @InjectRepository(Backup) private readonly backups: Repository<Backup>,
    private readonly writer: DatabaseWriter,
    private readonly workspace: WorkspaceService,
    private readonly bus: DomainEventBus,
    private readonly config: AppConfig,
    private readonly disk: DiskSpaceService,
    private readonly database: DatabaseCopier,
  ) {
    this.dir = config.get('MC_BACKUP_DIR', { infer: true });
    this.lock = new BackupLock(this.dir);
  }

  async onApplicationBootstrap(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await this.lock.clearStale();
    await this.removeLeftovers();
    // Checking archives copied in by hand can take a while: the service starts meanwhile.
    this.reconciling = this.reconcile().catch((error: Error) =>
      this.logger.error(`Reconciling ${this.dir} failed: ${error.message}`),
    );
  }

  /** The database closes after this: let the reconcile finish first. */
  async onModuleDestroy(): Promise<void> {
    await this.reconciling;
  }

  /** Resolves once the table matches the folder (the command line waits for it; the API does not). */
  whenReconciled(): Promise<void> {
    return this.reconciling;
  }

  /** When the newest verified backup of any type was made (ISO 8601), or null when there is none. */
  async lastVerifiedAt(): Promise<string | null> {
    const row = await this.backups
      .createQueryBuilder('b')
      .select('MAX(b.created_at)', 'last')
      .where('b.status = :status', { status: 'verified' })
      .getRawOne<{ last: string | null }>();
    return row?.last ?? null;
  }

  list(type?: BackupType): Promise<Backup[]> {
    return this.backups.find({ where: type ? { type } : {}, order: { created_at: 'DESC', id: 'DESC' } });
  }

  async get(id: string): Promise<Backup> {
    const backup = await this.backups.findOneBy({ id });
    if (!backup) throw new NotFoundException({ message: 'Backup not found', backup_id: id });
    return backup;
  }

  pathOf(backup: Backup): string {
    return join(this.dir, backup.file);
  }

  /** Makes a backup now, under the lock; 507 when the disk is full (and no partial file is kept). */
  create(
    type: BackupType,
    agentId: string | null,
    trigger: BackupTrigger = 'manual',
    onProgress?: (p: Progress) => void,
  ): Promise<Backup> {
    return this.disk.guard(['MC_BACKUP_DIR', 'MC_DATA_DIR'], () =>
      this.lock.run('backup', null, () => this.make(type, agentId, trigger, onProgress)),
    );
  }

  /** Makes a backup; the caller holds the lock (a restore makes its safety backup this way). */
  async make(
    type: BackupType,
    agentId: string | null,
    trigger: BackupTrigger,
    onProgress?: (p: Progress) => void,
  ): Promise<Backup> {
    const id = await this.newId();
    const file = backupFileName(type, id, agentId);
    const partial = join(this.dir, `.${file}.partial`);
    const dbCopy = join(this.dir, `.${id}.db.partial`);
    try {
      const made =
        type === 'snapshot'
          ? await writeSnapshot(partial, id, this.workspace)
          : await writeArchiveBackup(
              {
                partial,
                dbCopy,
                type,
                id,
                agentId,
                missionControlDir: this.workspace.missionControlDir,
                database: this.database,
              },
              onProgress,
            );
      if (made.errors.length) throw new Error(`the new backup did not check out: ${made.errors.join('; ')}`);
      const backup = this.backups.create({
        id,
        type,
        agent_id: agentId,
        file,
        created_at: made.createdAt,
        size_bytes: made.size,
        file_count: made.fileCount,
        integrity_hash: `sha256:${made.sha256}`,
        status: 'verified',
        trigger,
      });
      await rename(partial, join(this.dir, file));
      await this.write((r) => r.save(backup));
      if (made.warning) this.logger.warn(`Backup ${id}: ${made.warning}`);
      this.logger.log(
        `Backup ${id} (${type}${agentId ? ` of ${agentId}` : ''}) done: ${countOf(made.fileCount, 'file')}, ${made.size} bytes`,
      );
      this.bus.emit(DomainEvent.BackupCompleted, { backup });
      return backup;
    } catch (error) {
      this.bus.emit(DomainEvent.BackupFailed, {
        type,
        agent_id: agentId,
        operation: 'backup',
        error: (error as Error).message,
      });
      throw error;
    } finally {
      await rm(partial, { force: true });
      await rm(dbCopy, { force: true });
    }
  }

  async verify(id: string): Promise<VerifyResult> {
    const backup = await this.get(id);
    const result = await checkBackupFile(this.pathOf(backup), backup.type, backup.integrity_hash);
    const status = result.errors.length ? 'failed' : 'verified';
    if (backup.status !== status) await this.write((r) => r.update({ id }, { status }));
    if (status === 'failed') {
      this.bus.emit(DomainEvent.BackupFailed, {
        type: backup.type,
        agent_id: backup.agent_id,
        operation: 'verify',
        error: result.errors.join('; '),
      });
    }
    return { id, valid: !result.errors.length, checked_files: result.checkedFiles, errors: result.errors };
  }

  /** Under the lock: a backup that a restore is reading must not vanish halfway through it (409 meanwhile). */
  delete(id: string, reason: 'request' | 'retention' = 'request'): Promise<Backup> {
    return this.lock.run('delete', id, async () => {
      const backup = await this.get(id);
      await rm(this.pathOf(backup), { force: true });
      await this.write((r) => r.delete({ id }));
      this.bus.emit(DomainEvent.BackupDeleted, { backup, reason });
      return backup;
    });
  }

  /** Deletes backups older than MC_BACKUP_RETENTION days, but never the newest verified full backup. */
  async prune(now = Date.now()): Promise<Backup[]> {
    const cutoff = new Date(now - this.config.get('MC_BACKUP_RETENTION', { infer: true }) * 86_400_000).toISOString();
    const newestFull = await this.newestVerifiedFull();
    const old = (await this.list()).filter((b) => b.created_at < cutoff && b.id !== newestFull?.id);
    for (const backup of old) await this.delete(backup.id, 'retention');
    return old;
  }

  /** The newest full backup that checks out, or null when there is none. */
  newestVerifiedFull(): Promise<Backup | null> {
    return this.backups.findOne({
      where: { type: 'full', status: 'verified' },
      order: { created_at: 'DESC', id: 'DESC' },
    });
  }

  /**
   * Streams a backup out, with what a download needs to say about it. The file is opened here rather
   * than when the answer starts: one deleted in between was answered with a bare 400 from the stream,
   * and one deleted once opened is still sent whole.
   */
  async download(id: string): Promise<{ stream: ReadStream; backup: Backup; size: number }> {
    const backup = await this.get(id);
    const missing = () =>
      new NotFoundException({ message: 'The backup file is missing from the backup folder', backup_id: id });
    const file = await open(this.pathOf(backup), 'r').catch(() => null);
    if (!file) throw missing();
    try {
      const info = await file.stat();
      if (!info.isFile()) throw missing();
      return { stream: file.createReadStream(), backup, size: info.size };
    } catch (error) {
      await file.close();
      throw error;
    }
  }

  /**
   * Takes an uploaded file that must be a Mission Control backup (manifest present, every hash right,
   * every path safe) and lists it; anything else is refused with the reason, and nothing is kept.
   */
  async import(upload: string | undefined): Promise<Backup> {
    if (!upload)
      throw new BadRequestException({
        message: 'Upload the backup as multipart/form-data field "file"',
        details: [{ field: 'file', messages: ['file is required'] }],
      });
    try {
      return await this.disk.guard(['MC_BACKUP_DIR', 'MC_DATA_DIR'], () =>
        this.lock.run('import', null, async () => {
          const { type, manifest, createdAt, sha256, fileCount, agentId } = await inspectUpload(upload);
          const id =
            manifest?.id && !(await this.taken(manifest.id)) && BACKUP_ID_PATTERN.test(manifest.id)
              ? manifest.id
              : await this.newId();
          const file = backupFileName(type, id, agentId);
          await rename(upload, join(this.dir, file));
          const backup = this.backups.create({
            id,
            type,
            agent_id: agentId,
            file,
            created_at: createdAt,
            size_bytes: (await stat(join(this.dir, file))).size,
            file_count: fileCount,
            integrity_hash: `sha256:${sha256}`,
            status: 'verified',
            trigger: 'imported',
          });
          await this.write((r) => r.save(backup));
          this.bus.emit(DomainEvent.BackupCompleted, { backup });
          return backup;
        }),
      );
    } finally {
      await rm(upload, { force: true });
    }
  }

  /** Writes to the backups table in turn with the app's other writes (see DatabaseWriter). */
  private write<T>(work: (backups: Repository<Backup>) => Promise<T>): Promise<T> {
    return this.writer.transaction((manager) => work(manager.getRepository(Backup)));
  }

  /** The next free id for this second, checking both the table and the folder. */
  private async newId(): Promise<string> {
    const base = timeId(new Date());
    for (let n = 1; ; n++) {
      const id = n === 1 ? base : `${base}_${n}`;
      if (!(await this.taken(id))) return id;
    }
  }

  private async taken(id: string): Promise<boolean> {
    if (await this.backups.existsBy({ id })) return true;
    return (await readdir(this.dir)).some(
      (name) => parseBackupFileName(name.replace(/^\.|\.partial$/g, ''))?.id === id,
    );
  }

  /** Partial files of a backup that was interrupted never look like backups; they go at start. */
  private async removeLeftovers(): Promise<void> {
    for (const name of await readdir(this.dir)) {
      // SQLite may leave a -journal beside the database copy: anything named *.partial* goes.
      if ((name.startsWith('.') && name.includes('.partial')) || name.startsWith('.upload-')) {
        await rm(join(this.dir, name), { recursive: true, force: true });
        this.logger.warn(`Removed ${name}, left by an interrupted backup`);
      }
    }
  }

  /** Makes the table match the folder: rows of deleted files go, valid archives copied in appear. */
  async reconcile(): Promise<void> {
    const names = new Set(await readdir(this.dir));
    for (const backup of await this.backups.find()) {
      if (!names.has(backup.file)) {
        await this.write((r) => r.delete({ id: backup.id }));
        this.logger.warn(`Backup ${backup.id}: ${backup.file} is gone from ${this.dir}; no longer listed`);
      }
    }
    const listed = new Set((await this.backups.find()).map((b) => b.file));
    for (const name of names) {
      const parsed = parseBackupFileName(name);
      if (!parsed || listed.has(name) || (await this.backups.existsBy({ id: parsed.id }))) continue;
      const path = join(this.dir, name);
      const checked = await checkBackupFile(path, parsed.type);
      const manifestMatches =
        parsed.type === 'snapshot' ||
        (checked.manifest?.type === parsed.type && (checked.manifest.agent_id ?? null) === parsed.agentId);
      if (checked.errors.length || !manifestMatches) {
        this.logger.warn(
          `${name} is not a valid backup (${checked.errors.join('; ') || 'its manifest does not match its name'}); not listed`,
        );
        continue;
      }
      const found = this.backups.create({
        id: parsed.id,
        type: parsed.type,
        agent_id: parsed.agentId,
        file: name,
        created_at: checked.manifest?.created_at ?? (await stat(path)).mtime.toISOString(),
        size_bytes: (await stat(path)).size,
        file_count: checked.checkedFiles,
        integrity_hash: `sha256:${checked.sha256}`,
        status: 'verified',
        trigger: 'found',
      });
      await this.write((r) => r.save(found));
      this.logger.log(`Found backup ${name}; listed`);
    }
  }
}
