import { mkdir, stat } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { Database, OPEN_READONLY, OPEN_READWRITE, OPEN_URI } from 'sqlite3';
import { DataSource } from 'typeorm';
import { SqliteConnectionOptions } from 'typeorm/driver/sqlite/SqliteConnectionOptions';
import { DiskSpaceService } from '../common/disk-space.service';
import { InsufficientStorageException } from '../common/insufficient-storage.exception';
import { outOfSpace } from '../common/out-of-space';

/**
 * How to open the database when the data folder has no room for the shared-memory index (32 KB) that
 * SQLite creates beside a WAL database it opens: read-only and immutable, which touches nothing beside
 * the file. Only safe while no other process writes the file, and while its WAL holds nothing.
 */
export function readOnlyOptions(file: string) {
  return { database: `${pathToFileURL(file).href}?immutable=1`, flags: OPEN_READONLY | OPEN_URI, enableWAL: false };
}

/**
 * Checks the database before the service opens it and says how to open it: read-write, or read-only
 * when the data folder has no room left even to open it (reads go on, writes get 507 until a restart
 * with space freed). Refuses to start on a file that exists but cannot be used, naming the file and
 * what to do: Mission Control never recreates such a file on its own, it may hold the only copy of
 * the history.
 */
export async function databaseOpenMode(
  file: string,
  dataDir: string,
  disk: DiskSpaceService,
): Promise<'read-write' | 'read-only'> {
  await mkdir(dataDir, { recursive: true }).catch((error: Error) => {
    throw new Error(`Cannot create the data folder ${dataDir} (MC_DATA_DIR): ${error.message}`);
  });
  const info = await stat(file).catch(() => null);
  if (info === null) return 'read-write';
  const advice =
    `Mission Control will not overwrite it. Move it aside and restore a backup ` +
    `(npm run cli -- restore <id> --with-database), or move it aside to start with an empty history.`;
  if (!info.isFile()) throw new Error(`Database ${file} is not a regular file. ${advice}`);
  const check = async (immutable: boolean) => {
    const result = await quickCheck(file, immutable);
    if (result !== 'ok') throw new Error(`integrity check says: ${result}`);
  };
  const unusable = (error: Error) =>
    new Error(`Database ${file} is unreadable or corrupt (${error.message}). ${advice}`);
  try {
    await check(false);
    return 'read-write';
  } catch (error) {
    const full = await disk.translate(error, ['MC_DATA_DIR']);
    if (!(full instanceof InsufficientStorageException)) throw unusable(error as Error);
    const noRoom = `There is not enough disk space in ${dataDir} (MC_DATA_DIR) to open the database for writing (${full.freeBytes ?? 'unknown'} bytes free)`;
    if ((await stat(`${file}-wal`).catch(() => null))?.size)
      throw new Error(
        `${noRoom}, and its WAL holds writes a read-only start would not see. Free some space and start again.`,
      );
    await check(true).catch((readError: Error) => {
      throw unusable(readError);
    });
    disk.openedReadOnly(noRoom);
    return 'read-only';
  }
}

/**
 * Opens the data source (migrations included). A migration that cannot be written for lack of room
 * stops the start with a message saying so: the service cannot run on an older schema, and the
 * migrations' transaction left the database as it was.
 */
export async function initializeDataSource(options: SqliteConnectionOptions): Promise<DataSource> {
  try {
    return await new DataSource(options).initialize();
  } catch (error) {
    // Opened read-only for lack of room, only a migration writes at start.
    const readOnly = ((options.flags ?? 0) & OPEN_READONLY) !== 0;
    if (!readOnly && !outOfSpace(error)?.certain) throw error;
    throw new Error(
      `There is not enough disk space in MC_DATA_DIR to bring the database up to date (${(error as Error).message}); nothing was changed. Free some space and start again.`,
      { cause: error },
    );
  }
}

/** Runs one statement on a connection of its own, opened for just that. */
function runOnce<T>(file: string, mode: number, sql: string, params: unknown[] = []): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const db = new Database(file, mode, (openError) => {
      if (openError) return reject(openError);
      db.all<T>(sql, params, (error, rows) => {
        db.close(() => (error ? reject(error) : resolve(rows)));
      });
    });
  });
}

export async function quickCheck(file: string, immutable = false): Promise<string> {
  const [target, mode] = immutable
    ? [readOnlyOptions(file).database, OPEN_READONLY | OPEN_URI]
    : [file, OPEN_READWRITE];
  const rows = await runOnce<{ quick_check: string }>(target, mode, 'PRAGMA quick_check(1)');
  return rows[0]?.quick_check ?? 'no answer';
}

/**
 * A consistent copy of a live database, taken with VACUUM INTO on a read-only connection of its own:
 * in WAL mode it reads one snapshot while the service goes on writing.
 */
export async function copyDatabase(source: string, target: string): Promise<void> {
  await runOnce(source, OPEN_READONLY, 'VACUUM INTO ?', [target]);
}
