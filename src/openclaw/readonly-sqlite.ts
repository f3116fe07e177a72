import { stat } from 'node:fs/promises';
import * as sqlite3 from 'sqlite3';

type Mode = 'ro' | 'immutable';

/**
 * A read-only connection to another program's SQLite database. It never creates, writes or locks for
 * writing anything there: a database with a `-wal` and `-shm` (its writer is running) is opened
 * `mode=ro`, which joins the writer's WAL as a reader; a fully checkpointed one is opened `immutable`,
 * because SQLite's read-only mode would otherwise create `-wal` and `-shm` files next to it.
 *
 * The connection is kept between polls and `changed()` says cheaply whether anything was committed
 * since the last look: `PRAGMA data_version` on a WAL reader, the file's size and mtime for an
 * immutable one (which is reopened whenever the file changes or a `-wal` appears).
 */
export class ReadonlySqlite {
  private db: sqlite3.Database | null = null;
  private mode: Mode | null = null;
  private stamp = '';
  private dataVersion: number | null = null;
  /** The file's device and inode at the last look: another value means the database was replaced. */
  identity = '';

  constructor(private readonly path: string) {}

  /** Opens or reopens as the files require; true when something may have changed since the last call. */
  async changed(): Promise<boolean> {
    const [main, wal, shm] = await Promise.all(['', '-wal', '-shm'].map((suffix) => stat(this.path + suffix).catch(() => null)));
    if (!main) throw new Error('the database file is gone');
    if ((wal === null) !== (shm === null)) throw new Error('the database is between states (a -wal without its -shm, or the reverse); read again later');
    const mode: Mode = wal ? 'ro' : 'immutable';
    const identity = `${main.dev}:${main.ino}`;
    const stamp = `${identity}:${main.size}:${main.mtimeMs}`;
    // A WAL reader sees every commit to the same file; a replaced file, or an immutable one that changed, is opened again.
    if (this.db && this.mode === mode && identity === this.identity && (mode === 'ro' || this.stamp === stamp)) {
      if (mode === 'immutable') return false;
      const version = (await this.all<{ data_version: number }>('PRAGMA data_version'))[0]?.data_version ?? null;
      const changed = version !== this.dataVersion;
      this.dataVersion = version;
      return changed;
    }
    await this.close();
    this.db = await open(this.path, mode);
    this.mode = mode;
    this.stamp = stamp;
    this.identity = identity;
    this.dataVersion = mode === 'ro' ? ((await this.all<{ data_version: number }>('PRAGMA data_version'))[0]?.data_version ?? null) : null;
    return true;
  }

  all<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const db = this.db;
    if (!db) return Promise.reject(new Error('the database is not open'));
    return new Promise((resolve, reject) => db.all(sql, params, (error, rows) => (error ? reject(error) : resolve(rows as T[]))));
  }

  async columns(table: string): Promise<Set<string>> {
    const rows = await this.all<{ name: string }>(`SELECT name FROM pragma_table_info(?)`, [table]);
    return new Set(rows.map((r) => r.name));
  }

  async close(): Promise<void> {
    const db = this.db;
    this.db = null;
    this.mode = null;
    if (db) await new Promise<void>((resolve) => db.close(() => resolve()));
  }
}

async function open(path: string, mode: Mode): Promise<sqlite3.Database> {
  const uri = `file:${encodeURI(path).replace(/\?/g, '%3F').replace(/#/g, '%23')}?${mode === 'ro' ? 'mode=ro' : 'immutable=1'}`;
  const db = await new Promise<sqlite3.Database>((resolve, reject) => {
    const handle: sqlite3.Database = new sqlite3.Database(uri, sqlite3.OPEN_READONLY | sqlite3.OPEN_URI, (error) => (error ? reject(error) : resolve(handle)));
  });
  // A writer holding the database briefly must not hold up the poll: it reads again next time.
  db.configure('busyTimeout', 200);
  return db;
}
