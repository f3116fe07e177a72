import { mkdir, stat } from 'node:fs/promises';
import { Database, OPEN_READONLY, OPEN_READWRITE } from 'sqlite3';

/**
 * Refuses to start on a database file that exists but cannot be used, naming the file and what to do.
 * Mission Control never recreates such a file on its own: it may hold the only copy of the history.
 */
export async function assertDatabaseUsable(file: string, dataDir: string): Promise<void> {
  await mkdir(dataDir, { recursive: true }).catch((error: Error) => {
    throw new Error(`Cannot create the data folder ${dataDir} (MC_DATA_DIR): ${error.message}`);
  });
  const info = await stat(file).catch(() => null);
  if (info === null) return;
  const advice =
    `Mission Control will not overwrite it. Move it aside and restore a backup ` +
    `(npm run cli -- restore <id> --with-database), or move it aside to start with an empty history.`;
  if (!info.isFile()) throw new Error(`Database ${file} is not a regular file. ${advice}`);
  try {
    const result = await quickCheck(file);
    if (result !== 'ok') throw new Error(`integrity check says: ${result}`);
  } catch (error) {
    throw new Error(`Database ${file} is unreadable or corrupt (${(error as Error).message}). ${advice}`);
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

export async function quickCheck(file: string): Promise<string> {
  const rows = await runOnce<{ quick_check: string }>(file, OPEN_READWRITE, 'PRAGMA quick_check(1)');
  return rows[0]?.quick_check ?? 'no answer';
}

/**
 * A consistent copy of a live database, taken with VACUUM INTO on a read-only connection of its own:
 * in WAL mode it reads one snapshot while the service goes on writing.
 */
export async function copyDatabase(source: string, target: string): Promise<void> {
  await runOnce(source, OPEN_READONLY, 'VACUUM INTO ?', [target]);
}
