import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { statfs } from 'node:fs/promises';
import { isInside } from './paths';
import { AppConfig } from '../config/environment';
import { InsufficientStorageException, StorageFolder } from './insufficient-storage.exception';
import { outOfSpace } from './out-of-space';

const FOLDERS: StorageFolder[] = ['MC_DATA_DIR', 'MC_BACKUP_DIR', 'MC_WORKSPACE'];
/**
 * A full folder counts as having room again once it has this much more free than when a write failed
 * there (a write that succeeds there says so sooner). Less could flip the state at every small write.
 */
const ROOM_BYTES = 1024 * 1024;
/** Below this share of its disk free, a folder is nearly full (health degrades before writes fail). */
const NEARLY_FULL_SHARE = 0.02;
/** How often a full folder's free space is looked at, until space is back. */
const RECHECK_MS = 2000;

interface Shortage {
  since: string;
  /** Free bytes measured after the failed write (null when the disk would not say). */
  freeBytes: number | null;
}

export interface FolderSpace {
  path: string;
  free_bytes: number | null;
  total_bytes: number | null;
  /** A write failed here for lack of space, and no room has come back since. */
  full: boolean;
  full_since: string | null;
}

/**
 * Knows which folders are out of space. A write that fails for lack of space marks its folder full and
 * becomes a 507 naming it; the folder is full until a write there succeeds or its free space grows,
 * which is looked at every 2 s while a folder is full and at each health read, so the service
 * recovers by itself once space is freed.
 */
@Injectable()
export class DiskSpaceService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('DiskSpace');
  readonly paths: Record<StorageFolder, string>;
  private readonly shortages = new Map<StorageFolder, Shortage>();
  private timer: NodeJS.Timeout | null = null;
  /** Why the database was opened read-only at start, when it was: then nothing can be written to it until a restart. */
  private readOnlyReason: string | null = null;

  constructor(config: AppConfig) {
    this.paths = {
      MC_DATA_DIR: config.get('MC_DATA_DIR', { infer: true }),
      MC_BACKUP_DIR: config.get('MC_BACKUP_DIR', { infer: true }),
      MC_WORKSPACE: config.get('MC_WORKSPACE', { infer: true }),
    };
  }

  /** Says at start which folders have little room, so an operator knows before writes fail. */
  async onApplicationBootstrap(): Promise<void> {
    const spaces = await this.report();
    for (const folder of FOLDERS) {
      if (nearlyFull(spaces[folder]))
        this.logger.warn(
          `Little disk space in ${this.paths[folder]} (${folder}): ${spaces[folder].free_bytes} bytes free; writes that do not fit get 507`,
        );
    }
  }

  onModuleDestroy(): void {
    this.stopRechecking();
  }

  get databaseReadOnly(): boolean {
    return this.readOnlyReason !== null;
  }

  /** The database had to be opened read-only: there was no room even to open it for writing. */
  openedReadOnly(reason: string): void {
    this.readOnlyReason = `${reason}: started read-only; writes get 507 until the service is restarted with space freed`;
    this.logger.warn(this.readOnlyReason);
  }

  /** The answer to a write to the database opened read-only. */
  async refuseReadOnly(): Promise<never> {
    const { free_bytes } = await this.measure('MC_DATA_DIR');
    throw new InsufficientStorageException(
      'MC_DATA_DIR',
      this.paths.MC_DATA_DIR,
      free_bytes,
      'the database was opened read-only at start: free some space and restart the service',
    );
  }

  /** Runs a write into `folders`; a failure for lack of space becomes a 507 naming the full one. */
  async guard<T>(folders: StorageFolder[], write: () => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await write();
    } catch (error) {
      throw await this.translate(error, folders);
    }
    this.wrote(folders);
    return result;
  }

  /** A write into these folders succeeded: whichever was full has room again. */
  wrote(folders: StorageFolder[]): void {
    for (const folder of folders) if (this.shortages.has(folder)) this.spaceBack(folder, 'a write succeeded');
  }

  /**
   * The error to throw for a failed write into one of `folders`: a 507 naming the full folder (the one
   * the error names, else the one with the least room) when it failed for lack of space, else the error.
   */
  async translate(error: unknown, folders: StorageFolder[] = FOLDERS): Promise<unknown> {
    if (error instanceof InsufficientStorageException) return error;
    const found = outOfSpace(error);
    if (!found) return error;
    const free = new Map(await Promise.all(folders.map(async (f) => [f, (await this.measure(f)).free_bytes] as const)));
    // The innermost folder holding the file the error names (the backup folder may lie inside the data folder).
    const named = folders
      .filter((f) => found.path !== undefined && isInside(this.paths[f], found.path))
      .sort((a, b) => this.paths[b].length - this.paths[a].length)[0];
    const folder = named ?? [...folders].sort((a, b) => (free.get(a) ?? Infinity) - (free.get(b) ?? Infinity))[0];
    const freeBytes = free.get(folder) ?? null;
    if (!found.certain && (freeBytes === null || freeBytes >= ROOM_BYTES)) return error;
    this.markFull(folder, freeBytes);
    return new InsufficientStorageException(folder, this.paths[folder], freeBytes);
  }

  /** Every folder's space, for health; full folders that have room again are cleared on the way. */
  async report(): Promise<Record<StorageFolder, FolderSpace>> {
    const spaces = await Promise.all(FOLDERS.map(async (f) => [f, await this.measure(f)] as const));
    for (const [folder, space] of spaces) this.clearIfRoom(folder, space.free_bytes);
    const withState = spaces.map(([f, space]) => [
      f,
      { ...space, full: this.shortages.has(f), full_since: this.shortages.get(f)?.since ?? null },
    ]);
    return Object.fromEntries(withState) as Record<StorageFolder, FolderSpace>;
  }

  /** Why the disk degrades the service, or null when it does not. */
  problem(spaces: Record<StorageFolder, FolderSpace>): string | null {
    if (this.readOnlyReason) return this.readOnlyReason;
    const full = FOLDERS.filter((f) => spaces[f].full);
    if (full.length)
      return `not enough disk space in ${full.map((f) => `${spaces[f].path} (${f})`).join(', ')}: writes there get 507 until space is freed`;
    const low = FOLDERS.filter((f) => nearlyFull(spaces[f]));
    if (low.length)
      return `disk nearly full: ${low.map((f) => `${spaces[f].path} (${f}) has ${spaces[f].free_bytes} bytes free`).join(', ')}`;
    return null;
  }

  private async measure(folder: StorageFolder): Promise<Omit<FolderSpace, 'full' | 'full_since'>> {
    const path = this.paths[folder];
    const stats = await statfs(path).catch(() => null);
    return {
      path,
      free_bytes: stats ? stats.bavail * stats.bsize : null,
      total_bytes: stats ? stats.blocks * stats.bsize : null,
    };
  }

  private markFull(folder: StorageFolder, freeBytes: number | null): void {
    const known = this.shortages.get(folder);
    this.shortages.set(folder, { since: known?.since ?? new Date().toISOString(), freeBytes });
    if (!known)
      this.logger.warn(
        `Not enough disk space in ${this.paths[folder]} (${folder}): ${freeBytes ?? 'unknown'} bytes free; writes there get 507 until space is freed`,
      );
    this.timer ??= setInterval(() => void this.recheck(), RECHECK_MS).unref();
  }

  private async recheck(): Promise<void> {
    for (const folder of [...this.shortages.keys()]) this.clearIfRoom(folder, (await this.measure(folder)).free_bytes);
  }

  private clearIfRoom(folder: StorageFolder, freeBytes: number | null): void {
    const shortage = this.shortages.get(folder);
    if (shortage && freeBytes !== null && freeBytes >= (shortage.freeBytes ?? 0) + ROOM_BYTES)
      this.spaceBack(folder, `${freeBytes} bytes free`);
  }

  private spaceBack(folder: StorageFolder, why: string): void {
    this.shortages.delete(folder);
    const restart =
      folder === 'MC_DATA_DIR' && this.readOnlyReason ? '; restart the service to write to the database again' : '';
    this.logger.log(`Disk space is back in ${this.paths[folder]} (${folder}): ${why}${restart}`);
    if (!this.shortages.size) this.stopRechecking();
  }

  private stopRechecking(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

function nearlyFull(space: Omit<FolderSpace, 'full' | 'full_since'>): boolean {
  return space.free_bytes !== null && !!space.total_bytes && space.free_bytes / space.total_bytes < NEARLY_FULL_SHARE;
}
